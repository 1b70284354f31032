import { describe, expect, it } from 'vitest';
import { parseBearer } from './basic-credentials.js';

describe(parseBearer.name, () => {
  it('reads a token and refuses anything else', () => {
    expect(parseBearer('Bearer pmd_abc-123')).toBe('pmd_abc-123');
    expect(parseBearer('Basic abc')).toBeUndefined();
    expect(parseBearer(`Bearer ${'a'.repeat(700)}`)).toBeUndefined();
  });
});
