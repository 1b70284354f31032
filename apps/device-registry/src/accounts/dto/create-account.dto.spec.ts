import { describe, expect, it } from 'vitest';
import { createAccountSchema } from './create-account.dto.js';

describe('createAccountSchema', () => {
  it('lower-cases and trims the address and keeps the display name', () => {
    const parsed = createAccountSchema.parse({
      address: '  Alice@Example.ORG ',
      password: 'long enough',
      displayName: ' Alice ',
    });
    expect(parsed).toEqual({ address: 'alice@example.org', password: 'long enough', displayName: 'Alice' });
  });

  it('rejects a password shorter than 8 characters, naming the field', () => {
    const result = createAccountSchema.safeParse({ address: 'a@example.org', password: 'short' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['password']);
  });

  it('rejects something that is not an address', () => {
    for (const address of ['no-at-sign', 'two@@example.org', 'spa ce@example.org', '', 42]) {
      expect(createAccountSchema.safeParse({ address, password: 'long enough' }).success).toBe(false);
    }
  });

  it('rejects a missing password and an absurdly long one', () => {
    expect(createAccountSchema.safeParse({ address: 'a@example.org' }).success).toBe(false);
    expect(
      createAccountSchema.safeParse({ address: 'a@example.org', password: 'x'.repeat(1025) }).success,
    ).toBe(false);
  });
});
