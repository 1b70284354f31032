import type { DeviceCredentialsV1, DevicePolicyV1 } from '@pushmail/contracts';
import { credentialsSnapshot } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { deviceStateOf } from './device-state.js';

type DeviceEntry = DeviceCredentialsV1['devices'][number];
// Only its id and version matter here.
const policy = { policyId: 'policy-1', name: 'standard', version: 2 } as DevicePolicyV1;

const snapshot = (device: Partial<DeviceEntry>, withPolicy = false) =>
  credentialsSnapshot('account-1', [{ deviceId: 'phone', ...device }], withPolicy ? { policy } : {});

describe(deviceStateOf.name, () => {
  it('reads a listed device as its snapshot entry says', () => {
    expect(
      deviceStateOf(snapshot({ access: 'quarantined', accessRule: 'organisation default' }), 'phone'),
    ).toEqual({
      known: true,
      access: 'quarantined',
      accessRule: 'organisation default',
      wiped: false,
      policy: null,
      acknowledged: null,
      acknowledgementRequired: false,
      pendingWipe: null,
    });
  });

  it('treats a device the snapshot does not list, or no snapshot, as unknown and blocked', () => {
    for (const state of [deviceStateOf(snapshot({}), 'tablet'), deviceStateOf(undefined, 'phone')]) {
      expect(state).toMatchObject({ known: false, access: 'blocked', wiped: false });
    }
  });

  it('marks a wiped device', () => {
    expect(deviceStateOf(snapshot({ status: 'wiped' }), 'phone').wiped).toBe(true);
  });

  it("requires an acknowledgement until the device acknowledged the policy's current version", () => {
    expect(deviceStateOf(snapshot({}, true), 'phone').acknowledgementRequired).toBe(true);
    const stale = { acknowledgedPolicy: { policyId: 'policy-1', version: 1 } };
    expect(deviceStateOf(snapshot(stale, true), 'phone').acknowledgementRequired).toBe(true);
    const current = { acknowledgedPolicy: { policyId: 'policy-1', version: 2 } };
    expect(deviceStateOf(snapshot(current, true), 'phone')).toMatchObject({
      acknowledged: { policyId: 'policy-1', version: 2 },
      acknowledgementRequired: false,
    });
  });
});
