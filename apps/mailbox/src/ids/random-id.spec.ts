import { describe, expect, it } from 'vitest';
import { isJmapId, newEmailId, newMailboxId, randomId } from './random-id.js';

describe(randomId.name, () => {
  it('makes email ids of an M and twenty base32 characters', () => {
    expect(newEmailId()).toMatch(/^M[a-z2-7]{20}$/);
  });

  it('makes short mailbox ids that are still valid JMAP ids', () => {
    const id = newMailboxId();
    expect(id).toMatch(/^F[a-z2-7]{10}$/);
    expect(isJmapId(id)).toBe(true);
  });

  it('does not repeat itself', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newEmailId()));
    expect(ids.size).toBe(2000);
  });
});

describe(isJmapId.name, () => {
  it('rejects values that cannot be ids', () => {
    expect(isJmapId('')).toBe(false);
    expect(isJmapId('a/b')).toBe(false);
    expect(isJmapId(42)).toBe(false);
    expect(isJmapId('x'.repeat(256))).toBe(false);
  });
});
