import { describe, expect, it } from 'vitest';
import { InternalTokenGuard } from './internal-token.guard.js';

const token = 'internal-token-with-enough-length';

describe(InternalTokenGuard.name, () => {
  const guard = new InternalTokenGuard({ INTERNAL_TOKEN: token });

  it('admits the configured bearer token', () => {
    expect(guard.admits(`Bearer ${token}`)).toBe(true);
    expect(guard.admits(`bearer ${token}`)).toBe(true);
  });

  it('refuses a missing, malformed or different token', () => {
    expect(guard.admits(undefined)).toBe(false);
    expect(guard.admits('')).toBe(false);
    expect(guard.admits(token)).toBe(false);
    expect(guard.admits('Bearer ')).toBe(false);
    expect(guard.admits(`Bearer ${token}x`)).toBe(false);
    expect(guard.admits(`Basic ${token}`)).toBe(false);
  });
});
