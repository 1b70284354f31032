import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.js';

describe(PasswordHasher.name, () => {
  const hasher = new PasswordHasher();

  it('produces an argon2id hash that verifies the password and nothing else', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse batterz')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('treats a malformed stored hash as a failed verification', async () => {
    expect(await hasher.verify('not-a-hash', 'whatever1')).toBe(false);
  });

  it('always refuses through the dummy hash', async () => {
    expect(await hasher.verifyAgainstDummy('dummy password that matches no account')).toBe(false);
  });
});
