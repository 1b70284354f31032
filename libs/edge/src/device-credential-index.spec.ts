import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import { credentialsSnapshot } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { DeviceCredentialIndex } from './device-credential-index.js';

const accountId = '3d1d3c5e-8f0b-4c39-9b7e-2a7d4c1e9f00';
const otherAccountId = '9a0f6c1e-2b3d-4e5f-8a7b-6c5d4e3f2a10';
// The index holds digests as the snapshots carry them; it never sees a token.
const phoneDigest = 'a1'.repeat(32);
const laptopDigest = 'b2'.repeat(32);
const rotatedPhoneDigest = 'c3'.repeat(32);

/** The account's allowed phone and blocked laptop, one token each, but for `overrides`. */
const snapshot = (overrides: Partial<DeviceCredentialsV1> = {}) =>
  credentialsSnapshot(
    accountId,
    [
      { deviceId: 'phone', tokenSha256: [phoneDigest] },
      { deviceId: 'laptop', tokenSha256: [laptopDigest], access: 'blocked' },
    ],
    overrides,
  );

describe(DeviceCredentialIndex.name, () => {
  it('holds what each token stands for: account, device, access and the rule that decided', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(
      accountId,
      snapshot({
        devices: [
          {
            deviceId: 'phone',
            tokenSha256: [phoneDigest],
            access: 'quarantined',
            accessRule: 'organisation default: quarantined',
          },
        ],
      }),
    );
    expect(index.lookup(phoneDigest)).toEqual({
      accountId,
      deviceId: 'phone',
      access: 'quarantined',
      accessRule: 'organisation default: quarantined',
      tokenSha256: phoneDigest,
    });
  });

  it('stops accepting a rotated token as soon as the new snapshot arrives', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(
      accountId,
      snapshot({
        revision: 2,
        devices: [{ deviceId: 'phone', tokenSha256: [rotatedPhoneDigest], access: 'allowed' }],
      }),
    );
    expect(index.lookup(phoneDigest)).toBeUndefined();
    expect(index.lookup(laptopDigest)).toBeUndefined();
    expect(index.lookup(rotatedPhoneDigest)?.deviceId).toBe('phone');
    expect(index.size).toBe(1);
  });

  it('indexes nothing of an account that is not active, and nothing of a deleted snapshot', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot({ accountStatus: 'disabled' }));
    expect(index.size).toBe(0);
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(accountId, undefined);
    expect(index.lookup(phoneDigest)).toBeUndefined();
  });

  it('indexes no token a wiped device still lists', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(
      accountId,
      snapshot({
        devices: [{ deviceId: 'phone', tokenSha256: [phoneDigest], access: 'allowed', status: 'wiped' }],
      }),
    );
    expect(index.lookup(phoneDigest)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it("keeps a digest another account now holds when the first account's snapshot drops it", () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(
      otherAccountId,
      snapshot({
        accountId: otherAccountId,
        devices: [{ deviceId: 'tablet', tokenSha256: [phoneDigest], access: 'allowed' }],
      }),
    );
    index.replaceAccount(accountId, undefined);
    expect(index.lookup(phoneDigest)).toMatchObject({
      accountId: otherAccountId,
      deviceId: 'tablet',
    });
  });
});
