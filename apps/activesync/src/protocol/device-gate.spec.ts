import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allowedStanding } from '../testing/device-standing.js';
import { testPolicy } from '../testing/test-policy.js';
import { gateOf, httpStatusOf } from './device-gate.js';

const policy = testPolicy(2);
const allowed = allowedStanding(policy);
const acknowledged = { policyKey: 1234, policyId: policy.policyId, policyVersion: 2 };
const none = { policyKey: null, policyId: null, policyVersion: null };

describe(gateOf.name, () => {
  it('lets a device that acknowledged the policy in force run any command with its key', () => {
    expect(gateOf('Sync', allowed, acknowledged, '1234', '14.1')).toEqual({ ok: true });
  });

  it('asks for provisioning without a key, a refresh after a policy change, and refuses a foreign key', () => {
    expect(gateOf('Sync', allowed, none, undefined, '14.1')).toMatchObject({ ok: false, status: 142 });
    expect(gateOf('Sync', allowed, none, '0', '14.1')).toMatchObject({ ok: false, status: 142 });
    expect(gateOf('Sync', allowed, { ...acknowledged, policyVersion: 1 }, '1234', '14.1')).toMatchObject({
      status: 143,
    });
    expect(gateOf('Sync', allowed, acknowledged, '999', '14.1')).toMatchObject({ status: 144 });
  });

  it('lets Provision and Settings through before provisioning, and anything when the account has no policy', () => {
    expect(gateOf('Provision', allowed, none, undefined, '14.1')).toEqual({ ok: true });
    expect(gateOf('Settings', allowed, none, undefined, '14.1')).toEqual({ ok: true });
    expect(gateOf('FolderSync', { ...allowed, policy: null }, none, undefined, '14.1')).toEqual({ ok: true });
  });

  it('answers a block with 129 and a pending wipe with 140 until the device provisions', () => {
    expect(
      gateOf('Provision', { ...allowed, access: 'blocked' }, acknowledged, '1234', '16.1'),
    ).toMatchObject({ status: 129 });
    const wipe = {
      wipeId: randomUUID(),
      kind: 'full' as const,
      requestedBy: 'admin',
      requestedAt: new Date().toISOString(),
    };
    expect(gateOf('Ping', { ...allowed, pendingWipe: wipe }, acknowledged, '1234', '14.1')).toMatchObject({
      status: 140,
    });
    expect(gateOf('Provision', { ...allowed, pendingWipe: wipe }, acknowledged, '1234', '14.1')).toEqual({
      ok: true,
    });
  });

  it('blocks a pre-16.1 device whose account-only wipe it cannot carry, rather than wiping the whole phone', () => {
    const wipe = {
      wipeId: randomUUID(),
      kind: 'account' as const,
      requestedBy: 'admin',
      requestedAt: new Date().toISOString(),
    };
    expect(
      gateOf('Provision', { ...allowed, pendingWipe: wipe }, acknowledged, '1234', '14.1'),
    ).toMatchObject({ status: 129 });
    expect(gateOf('Provision', { ...allowed, pendingWipe: wipe }, acknowledged, '1234', '16.1')).toEqual({
      ok: true,
    });
  });

  it('refuses a device the account no longer lists, and a disabled account', () => {
    expect(gateOf('Sync', { ...allowed, known: false }, acknowledged, '1234', '14.1')).toMatchObject({
      status: 129,
    });
    expect(gateOf('Sync', { ...allowed, accountActive: false }, acknowledged, '1234', '14.1')).toMatchObject({
      status: 130,
    });
  });
});

describe(httpStatusOf.name, () => {
  it('answers provisioning and wipe statuses 449 and refusals 403 for 14.0', () => {
    expect([142, 143, 144, 140].map(httpStatusOf)).toEqual([449, 449, 449, 449]);
    expect([129, 177, 130].map(httpStatusOf)).toEqual([403, 403, 403]);
  });
});
