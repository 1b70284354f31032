import { randomUUID } from 'node:crypto';
import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import { credentialsSnapshot, devicePolicy, pendingWipe } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { type DeviceNotice, noticesFor, type NoticeMemory } from './device-messages.js';
import { deviceStateOf } from '@pushmail/edge';
import { mailRefusalOf } from './device-state.js';

const accountId = randomUUID();
const policy = devicePolicy({ version: 2 });
const { policyId } = policy;
const wipeId = randomUUID();
type DeviceEntry = DeviceCredentialsV1['devices'][number];

/** The account's phone as `device` says, under the policy when `withPolicy`. */
const snapshot = (device: Partial<DeviceEntry> = {}, withPolicy = false) =>
  credentialsSnapshot(accountId, [{ deviceId: 'phone', ...device }], withPolicy ? { policy } : {});

const parse = (notices: DeviceNotice[]) =>
  notices.map((notice) => JSON.parse(notice.message) as Record<string, unknown>);

describe(mailRefusalOf.name, () => {
  it('lets an allowed device without a policy have mail', () => {
    expect(mailRefusalOf(deviceStateOf(snapshot(), 'phone'))).toBeUndefined();
  });

  it('refuses mail to a quarantined device with the rule that quarantined it', () => {
    const refusal = mailRefusalOf(
      deviceStateOf(
        snapshot({ access: 'quarantined', accessRule: 'organisation default: quarantined' }),
        'phone',
      ),
    );
    expect(refusal).toMatchObject({ type: 'forbidden', deviceStatus: 'quarantined' });
    expect(refusal?.description).toMatch(
      /quarantined until an administrator allows it \(organisation default: quarantined\)/,
    );
  });

  it('asks for the acknowledgement of the current policy version, and only that version', () => {
    const unacknowledged = mailRefusalOf(deviceStateOf(snapshot({}, true), 'phone'));
    expect(unacknowledged).toMatchObject({ type: 'policyAcknowledgementRequired', policyId, version: 2 });
    const stale = mailRefusalOf(
      deviceStateOf(snapshot({ acknowledgedPolicy: { policyId, version: 1 } }, true), 'phone'),
    );
    expect(stale?.type).toBe('policyAcknowledgementRequired');
    expect(
      mailRefusalOf(deviceStateOf(snapshot({ acknowledgedPolicy: { policyId, version: 2 } }, true), 'phone')),
    ).toBeUndefined();
  });

  it('puts a pending wipe before anything else', () => {
    const refusal = mailRefusalOf(
      deviceStateOf(snapshot({ access: 'quarantined', pendingWipe: pendingWipe({ wipeId }) }, true), 'phone'),
    );
    expect(refusal).toMatchObject({ type: 'forbidden', deviceStatus: 'wipePending', wipeId });
  });

  it('refuses a device the snapshot does not list', () => {
    expect(mailRefusalOf(deviceStateOf(snapshot(), 'someone-else'))?.type).toBe('forbidden');
  });
});

describe(noticesFor.name, () => {
  it('tells a plain allowed device nothing on connect', () => {
    expect(noticesFor({}, deviceStateOf(snapshot(), 'phone'))).toEqual([]);
  });

  it('sends the wipe command first, then the quarantine, then the policy, each once', () => {
    const memory: NoticeMemory = {};
    const wipe = pendingWipe({ wipeId, kind: 'account' });
    const state = deviceStateOf(snapshot({ access: 'quarantined', pendingWipe: wipe }, true), 'phone');
    const notices = noticesFor(memory, state);
    expect(notices.map((notice) => notice.kind)).toEqual(['wipe', 'status', 'policy']);
    const first = parse(notices);
    expect(first.map((message) => message['@type'])).toEqual(['DeviceWipe', 'DeviceStatus', 'DevicePolicy']);
    expect(first[0]).toMatchObject({ wipeId, kind: 'account' });
    expect(first[1]).toMatchObject({ status: 'quarantined' });
    expect(first[2]).toMatchObject({ policy, acknowledgementRequired: true, acknowledgedVersion: null });
    expect(noticesFor(memory, state)).toEqual([]);
  });

  it('tells of a release from quarantine and of a new policy version', () => {
    const memory: NoticeMemory = {};
    noticesFor(memory, deviceStateOf(snapshot({ access: 'quarantined' }, true), 'phone'));
    const released = parse(noticesFor(memory, deviceStateOf(snapshot({}, true), 'phone')));
    expect(released).toEqual([expect.objectContaining({ '@type': 'DeviceStatus', status: 'allowed' })]);
    const next = deviceStateOf(
      { ...snapshot({ acknowledgedPolicy: { policyId, version: 2 } }), policy: { ...policy, version: 3 } },
      'phone',
    );
    expect(parse(noticesFor(memory, next))).toEqual([
      expect.objectContaining({
        '@type': 'DevicePolicy',
        acknowledgementRequired: true,
        acknowledgedVersion: 2,
      }),
    ]);
  });
});
