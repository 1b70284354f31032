import { describe, expect, it } from 'vitest';
import { sha256Hex } from './sha256-hex.js';

describe(sha256Hex.name, () => {
  it('is the hex SHA-256 of the UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('é')).toBe(sha256Hex('\u00e9'));
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});
