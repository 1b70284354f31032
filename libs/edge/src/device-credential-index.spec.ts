import { createHash } from 'node:crypto';
import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import { describe, expect, it } from 'vitest';
import { DeviceCredentialIndex } from './device-credential-index.js';

const accountId = '3d1d3c5e-8f0b-4c39-9b7e-2a7d4c1e9f00';
const otherAccountId = '9a0f6c1e-2b3d-4e5f-8a7b-6c5d4e3f2a10';
const sha256Hex = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const phoneToken = 'pmd_phone-token-0000000000000000000000000000';
const laptopToken = 'pmd_laptop-token-000000000000000000000000000';
const newPhoneToken = 'pmd_phone-token-rotated-00000000000000000000';

function snapshot(overrides: Partial<DeviceCredentialsV1> = {}): DeviceCredentialsV1 {
  return {
    accountId,
    revision: 1,
    accountStatus: 'active',
    devices: [
      { deviceId: 'phone', tokenSha256: [sha256Hex(phoneToken)], access: 'allowed' },
      { deviceId: 'laptop', tokenSha256: [sha256Hex(laptopToken)], access: 'blocked' },
    ],
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe(DeviceCredentialIndex.name, () => {
  it('holds what each token stands for: account, device, access and the rule that decided', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(
      accountId,
      snapshot({
        devices: [
          {
            deviceId: 'phone',
            tokenSha256: [sha256Hex(phoneToken)],
            access: 'quarantined',
            accessRule: 'organisation default: quarantined',
          },
        ],
      }),
    );
    expect(index.lookup(sha256Hex(phoneToken))).toEqual({
      accountId,
      deviceId: 'phone',
      access: 'quarantined',
      accessRule: 'organisation default: quarantined',
      tokenSha256: sha256Hex(phoneToken),
    });
  });

  it('stops accepting a rotated token as soon as the new snapshot arrives', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(
      accountId,
      snapshot({
        revision: 2,
        devices: [{ deviceId: 'phone', tokenSha256: [sha256Hex(newPhoneToken)], access: 'allowed' }],
      }),
    );
    expect(index.lookup(sha256Hex(phoneToken))).toBeUndefined();
    expect(index.lookup(sha256Hex(laptopToken))).toBeUndefined();
    expect(index.lookup(sha256Hex(newPhoneToken))?.deviceId).toBe('phone');
    expect(index.size).toBe(1);
  });

  it('indexes nothing of an account that is not active, and nothing of a deleted snapshot', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot({ accountStatus: 'disabled' }));
    expect(index.size).toBe(0);
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(accountId, undefined);
    expect(index.lookup(sha256Hex(phoneToken))).toBeUndefined();
  });

  it('indexes no token a wiped device still lists', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(
      accountId,
      snapshot({
        devices: [
          { deviceId: 'phone', tokenSha256: [sha256Hex(phoneToken)], access: 'allowed', status: 'wiped' },
        ],
      }),
    );
    expect(index.lookup(sha256Hex(phoneToken))).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it("keeps a digest another account now holds when the first account's snapshot drops it", () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    index.replaceAccount(
      otherAccountId,
      snapshot({
        accountId: otherAccountId,
        devices: [{ deviceId: 'tablet', tokenSha256: [sha256Hex(phoneToken)], access: 'allowed' }],
      }),
    );
    index.replaceAccount(accountId, undefined);
    expect(index.lookup(sha256Hex(phoneToken))).toMatchObject({
      accountId: otherAccountId,
      deviceId: 'tablet',
    });
  });
});
