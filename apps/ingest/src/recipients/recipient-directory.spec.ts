import { randomUUID } from 'node:crypto';
import type { AccountSnapshotV1 } from '@pushmail/contracts';
import { describe, expect, it } from 'vitest';
import { RecipientDirectory } from './recipient-directory.js';

function account(overrides: Partial<AccountSnapshotV1> = {}): AccountSnapshotV1 {
  return {
    accountId: randomUUID(),
    revision: 1,
    address: 'alice@example.com',
    status: 'active',
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

describe(RecipientDirectory.name, () => {
  it('resolves the address of an active account, whatever its case', () => {
    const directory = new RecipientDirectory(['Example.com']);
    const alice = account({ address: 'Alice@Example.com' });
    directory.applyChange(alice, undefined);

    expect(directory.resolve('ALICE@example.COM')).toEqual({
      kind: 'account',
      accountId: alice.accountId,
      address: 'alice@example.com',
    });
  });

  it('calls a domain it does not host a foreign domain, even for a known address', () => {
    const directory = new RecipientDirectory(['example.com']);
    directory.applyChange(account({ address: 'bob@elsewhere.example' }), undefined);

    expect(directory.resolve('bob@elsewhere.example').kind).toBe('foreign-domain');
    expect(directory.resolve('someone').kind).toBe('foreign-domain');
    expect(directory.resolve('postmaster@elsewhere.example').kind).toBe('foreign-domain');
    expect(directory.resolve('bob@sub.example.com').kind).toBe('foreign-domain');
  });

  it('calls an address under a hosted domain with no account an unknown user', () => {
    const directory = new RecipientDirectory(['example.com']);

    expect(directory.resolve('nobody@example.com')).toEqual({
      kind: 'unknown-user',
      address: 'nobody@example.com',
    });
  });

  it('forgets an account once it is disabled, deleted or tombstoned', () => {
    const directory = new RecipientDirectory(['example.com']);
    for (const end of ['disabled', 'deleted', 'tombstone'] as const) {
      const active = account();
      directory.applyChange(active, undefined);
      expect(directory.resolve(active.address).kind).toBe('account');

      if (end === 'tombstone') directory.applyChange(undefined, active);
      else directory.applyChange({ ...active, revision: 2, status: end }, active);

      expect(directory.resolve(active.address).kind).toBe('unknown-user');
    }
  });

  it('follows an account whose address changes', () => {
    const directory = new RecipientDirectory(['example.com']);
    const before = account({ address: 'old@example.com' });
    directory.applyChange(before, undefined);
    const after = { ...before, revision: 2, address: 'new@example.com' };
    directory.applyChange(after, before);

    expect(directory.resolve('old@example.com').kind).toBe('unknown-user');
    expect(directory.resolve('new@example.com')).toMatchObject({
      kind: 'account',
      accountId: before.accountId,
    });
  });

  it('keeps an address that another account took over when the old account goes away', () => {
    const directory = new RecipientDirectory(['example.com']);
    const first = account({ address: 'shared@example.com' });
    const second = account({ address: 'shared@example.com' });
    directory.applyChange(first, undefined);
    directory.applyChange(second, undefined);
    directory.applyChange({ ...first, revision: 2, status: 'deleted' }, first);

    expect(directory.resolve('shared@example.com')).toMatchObject({
      kind: 'account',
      accountId: second.accountId,
    });
  });

  it("gives postmaster@ of every hosted domain to that address's own account, else to the postmaster account", () => {
    const directory = new RecipientDirectory(['example.com', 'example.org'], 'Admin@Example.com');
    const admin = account({ address: 'admin@example.com' });
    const orgPostmaster = account({ address: 'postmaster@example.org' });
    directory.applyChange(admin, undefined);
    directory.applyChange(orgPostmaster, undefined);

    expect(directory.resolve('PostMaster@Example.com')).toEqual({
      kind: 'account',
      accountId: admin.accountId,
      address: 'postmaster@example.com',
    });
    // The bare postmaster (RFC 5321 §4.1.1.3) is the first hosted domain's.
    expect(directory.resolve('postmaster')).toEqual({
      kind: 'account',
      accountId: admin.accountId,
      address: 'postmaster@example.com',
    });
    expect(directory.resolve('postmaster@example.org')).toMatchObject({ accountId: orgPostmaster.accountId });
  });

  it('defaults the postmaster account to postmaster@ of the first domain, and says when there is none', () => {
    const directory = new RecipientDirectory(['example.com', 'example.org']);

    expect(directory.resolve('postmaster@example.org')).toEqual({
      kind: 'postmaster-unassigned',
      address: 'postmaster@example.org',
    });
    const postmaster = account({ address: 'postmaster@example.com' });
    directory.applyChange(postmaster, undefined);
    expect(directory.resolve('postmaster@example.org')).toMatchObject({ accountId: postmaster.accountId });
  });
});
