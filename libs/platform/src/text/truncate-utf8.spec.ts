import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from './truncate-utf8.js';

describe(truncateUtf8.name, () => {
  it('keeps a text that fits', () => {
    expect(truncateUtf8('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(truncateUtf8('😀', 4)).toEqual({ text: '😀', truncated: false });
    expect(truncateUtf8('', 0)).toEqual({ text: '', truncated: false });
  });

  it('never splits a character', () => {
    expect(truncateUtf8('é', 1)).toEqual({ text: '', truncated: true });
    expect(truncateUtf8('aé', 2)).toEqual({ text: 'a', truncated: true });
    expect(truncateUtf8('a😀b', 4)).toEqual({ text: 'a', truncated: true });
    expect(truncateUtf8('a😀b', 5)).toEqual({ text: 'a😀', truncated: true });
  });

  it('cuts everything at a limit of 0', () => {
    expect(truncateUtf8('abc', 0)).toEqual({ text: '', truncated: true });
  });
});
