import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileString, isStorable } from '../testing/hostile-strings.js';
import { storable, storableText } from './storable-text.js';

describe(storableText.name, () => {
  it('shows a lone surrogate as U+FFFD and drops NUL, as a mail client shows them', () => {
    expect(storableText('a\ud800b')).toBe('a\ufffdb');
    expect(storableText('\udc00')).toBe('\ufffd');
    expect(storableText('a\u0000b\u0000')).toBe('ab');
    expect(storableText('pair 😀 kept')).toBe('pair 😀 kept');
  });

  it('makes any string storable and leaves a storable one as it is', () => {
    fc.assert(
      fc.property(hostileString, (value) => {
        const stored = storableText(value);
        expect(isStorable(stored)).toBe(true);
        if (isStorable(value)) expect(stored).toBe(value);
      }),
    );
  });
});

describe(storable.name, () => {
  it('makes every string of nested arrays and objects storable, keys included, and keeps other values', () => {
    const date = new Date(0);
    const value = { 'k\u0000\ud800': [{ name: '\udc00x', size: 3, at: date, none: null }], ok: true };

    expect(storable(value)).toEqual({
      'k\ufffd': [{ name: '\ufffdx', size: 3, at: date, none: null }],
      ok: true,
    });
    expect(storable(value)['k\u0000\ud800' as 'ok']).toBeUndefined();
  });

  it('yields JSON that PostgreSQL jsonb accepts, whatever the strings', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileString, fc.array(hostileString, { maxLength: 3 })), (value) => {
        const json = JSON.stringify(storable(value));
        // JSON.stringify writes a lone surrogate as \udXXX and NUL as \u0000: both refused by jsonb.
        expect(json).not.toMatch(/\\u(?:d[89a-f][0-9a-f]{2}|0000)/i);
        expect(isStorable(json)).toBe(true);
      }),
    );
  });
});
