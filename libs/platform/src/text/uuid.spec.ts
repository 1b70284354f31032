import { describe, expect, it } from 'vitest';
import { isUuid } from './uuid.js';

describe(isUuid.name, () => {
  it('accepts an account id and nothing that could quote', () => {
    expect(isUuid('0b6f5c1e-4c1a-4a57-9f0e-2f4d2c9b8a11')).toBe(true);
    expect(isUuid("0b6f5c1e-4c1a-4a57-9f0e-2f4d2c9b8a11'")).toBe(false);
    expect(isUuid("x' OR '1'='1")).toBe(false);
  });
});
