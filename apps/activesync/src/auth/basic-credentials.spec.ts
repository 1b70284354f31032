import { describe, expect, it } from 'vitest';
import { parseBearer, signInKey } from './basic-credentials.js';

describe(parseBearer.name, () => {
  it('reads a token and refuses anything else', () => {
    expect(parseBearer('Bearer pmd_abc-123')).toBe('pmd_abc-123');
    expect(parseBearer('Basic abc')).toBeUndefined();
    expect(parseBearer(`Bearer ${'a'.repeat(700)}`)).toBeUndefined();
  });
});

describe(signInKey.name, () => {
  it('differs with any part and never contains them', () => {
    const key = signInKey(['a@b.c', 'secret-one', 'phone']);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(key).not.toBe(signInKey(['a@b.c', 'secret-two', 'phone']));
  });
});
