import { randomUUID } from 'node:crypto';
import { accountTopic, deviceCredentialsTopic, encodeEvent } from '@pushmail/contracts';
import { devicePolicy, pendingWipe, policySettings } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { type AccountState, buildAccountSnapshots } from './account-snapshots.js';

const digest = (char: string) => char.repeat(64);

function state(overrides: Partial<AccountState> = {}): AccountState {
  return {
    account: {
      id: randomUUID(),
      address: 'alice@example.org',
      status: 'active',
      revision: 7,
      updatedAt: new Date('2026-01-02T03:04:05.678Z'),
    },
    devices: [],
    liveTokens: [],
    ...overrides,
  };
}

describe(buildAccountSnapshots.name, () => {
  it('cuts both snapshots at the same revision and time', () => {
    const input = state();
    const { account, credentials } = buildAccountSnapshots(input);
    expect(account).toEqual({
      accountId: input.account.id,
      revision: 7,
      address: 'alice@example.org',
      status: 'active',
      updatedAt: '2026-01-02T03:04:05.678Z',
    });
    expect(credentials).toEqual({
      accountId: input.account.id,
      revision: 7,
      accountStatus: 'active',
      devices: [],
      updatedAt: '2026-01-02T03:04:05.678Z',
    });
  });

  it('lists each device with its own live token digests, newest first, and its access', () => {
    const { credentials } = buildAccountSnapshots(
      state({
        devices: [
          { deviceId: 'phone', access: 'allowed' },
          { deviceId: 'car', access: 'quarantined' },
        ],
        liveTokens: [
          { deviceId: 'phone', tokenSha256: digest('a'), createdAt: new Date(1000) },
          { deviceId: 'phone', tokenSha256: digest('b'), createdAt: new Date(2000) },
        ],
      }),
    );
    expect(credentials.devices).toEqual([
      { deviceId: 'car', tokenSha256: [], access: 'quarantined' },
      { deviceId: 'phone', tokenSha256: [digest('b'), digest('a')], access: 'allowed' },
    ]);
  });

  it('keeps at most the four newest digests of a device, as the contract allows', () => {
    const liveTokens = ['1', '2', '3', '4', '5', '6'].map((char, index) => ({
      deviceId: 'phone',
      tokenSha256: digest(char),
      createdAt: new Date(index * 1000),
    }));
    const { credentials } = buildAccountSnapshots(
      state({ devices: [{ deviceId: 'phone', access: 'allowed' }], liveTokens }),
    );
    expect(credentials.devices[0]!.tokenSha256).toEqual([digest('6'), digest('5'), digest('4'), digest('3')]);
  });

  it('carries the access rule, wipe state, acknowledged policy and the account policy', () => {
    const policy = devicePolicy({
      version: 3,
      settings: policySettings({ wipeAfterFailedUnlocks: null, syncWindowDays: 30 }),
    });
    const { policyId } = policy;
    const wipe = pendingWipe({ kind: 'account', requestedAt: '2026-01-02T03:04:05.678Z' });
    const { credentials } = buildAccountSnapshots(
      state({
        policy,
        devices: [
          {
            deviceId: 'phone',
            access: 'quarantined',
            accessRule: 'organisation default: quarantined',
            status: 'active',
            acknowledgedPolicy: { policyId, version: 2 },
            pendingWipe: wipe,
          },
        ],
      }),
    );
    expect(credentials.policy).toEqual(policy);
    expect(credentials.devices[0]).toEqual({
      deviceId: 'phone',
      tokenSha256: [],
      access: 'quarantined',
      accessRule: 'organisation default: quarantined',
      status: 'active',
      acknowledgedPolicy: { policyId, version: 2 },
      pendingWipe: wipe,
    });
    expect(() => encodeEvent(deviceCredentialsTopic, credentials)).not.toThrow();
  });

  it('produces events that the topic schemas accept', () => {
    const { account, credentials } = buildAccountSnapshots(
      state({
        devices: [{ deviceId: 'phone-1', access: 'allowed' }],
        liveTokens: [{ deviceId: 'phone-1', tokenSha256: digest('c'), createdAt: new Date() }],
      }),
    );
    expect(encodeEvent(accountTopic, account).key).toBe(account.accountId);
    expect(encodeEvent(deviceCredentialsTopic, credentials).key).toBe(credentials.accountId);
  });
});
