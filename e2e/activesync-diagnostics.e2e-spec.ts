import { randomUUID } from 'node:crypto';
import { childText, children, child } from '@pushmail/activesync';
import { EasClient, easRequests, expectEventually } from '@pushmail/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { newAccount, useSuitePlatform } from './support/e2e-platform.js';
import {
  eventuallyFinding as eventuallyFindingOf,
  findingsOf,
  operationsAdmin,
  type AdminCall,
} from './support/operations-admin.js';

/** The heartbeat the stuck phone asks for: the shortest the gateway is set to allow here. */
const HEARTBEAT_SECONDS = 2;
/** The heartbeat of the Ping the gateway dies under: long enough to kill it while the Ping is parked. */
const STUCK_HEARTBEAT_SECONDS = 10;
/** How long past its heartbeat a Ping may stay unanswered before operations reports it. */
const PING_GRACE_MS = 1500;

/**
 * What an ActiveSync phone does reaches the administrator's findings the way a JMAP device's does:
 * the gateway writes the device's trail, the trail travels through Kafka, operations keeps it and
 * diagnoses the device from it. Nothing here calls the services' code: HTTP and WBXML only.
 */
describe('an ActiveSync phone in the diagnostics', () => {
  const suite = useSuitePlatform('activesync-diagnostics', {
    serviceEnv: {
      activesync: { TRAIL_FLUSH_MS: '100', PING_MIN_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS) },
      operations: { DIAG_PING_GRACE_MS: String(PING_GRACE_MS) },
    },
  });
  let admin: AdminCall;

  beforeAll(() => {
    admin = operationsAdmin(suite.platform);
  });

  const eventuallyFinding = (accountId: string, deviceId: string, code: string) =>
    eventuallyFindingOf(admin, accountId, deviceId, code);

  const newPhone = (address: string, password: string) =>
    new EasClient(suite.platform.activesyncUrl, {
      address,
      password,
      deviceId: `EAS${randomUUID().slice(0, 8)}`,
      version: '16.1',
      userAgent: 'Apple-iPhone15C2/2201.100',
    });

  it('reports a phone that is handed the Provision challenge again and again without acknowledging it', async () => {
    const { accountId, address, password } = await newAccount(suite.registry, { prefix: 'easloop' });
    const policyId = await suite.registry.requirePin(accountId);
    const phone = newPhone(address, password);
    // A phone that cannot meet the policy asks for it, drops it, and asks again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const challenge = await phone.command('Provision', easRequests.provision());
      expect(challenge.status).toBe(200);
      expect(childText(challenge.body!, 'Status')).toBe('1');
    }

    const finding = await eventuallyFinding(accountId, phone.options.deviceId, 'provisioningLoop');
    expect(finding.severity).toBe('error');
    expect(finding.evidence['challenges']).toBeGreaterThanOrEqual(3);
    expect(finding.evidence['policyId']).toBe(policyId);

    // A phone that finishes Provision is not in a loop.
    const {
      accountId: otherAccount,
      address: other,
      password: otherPassword,
    } = await newAccount(suite.registry, {
      prefix: 'easok',
    });
    const healthy = newPhone(other, otherPassword);
    await healthy.provision();
    expect(healthy.policyKey).toMatch(/^\d+$/);
    await expectEventually(async () => {
      const { body } = await admin<{ records: { kind: string }[] }>(
        'GET',
        `/admin/accounts/${otherAccount}/devices/${healthy.options.deviceId}/trail`,
      );
      expect(body.records.some((record) => record.kind === 'policyDecision')).toBe(true);
    });
    const { findings } = await findingsOf(admin, otherAccount, healthy.options.deviceId);
    expect(findings.map((finding) => finding.code)).not.toContain('provisioningLoop');
  });

  it('reports a parked Ping that never came back when the gateway dies under it', async () => {
    const { accountId, address, password } = await newAccount(suite.registry, { prefix: 'easstuck' });
    const phone = newPhone(address, password);
    await phone.provision();
    const hierarchy = await phone.folderSync('0');
    const inbox = children(child(hierarchy.body!, 'Changes')!, 'Add').find(
      (add) => childText(add, 'Type') === '2',
    );
    const inboxId = childText(inbox!, 'ServerId')!;

    // A heartbeat that returns in time is no finding.
    const answered = await phone.ping(HEARTBEAT_SECONDS, [inboxId]);
    expect(childText(answered.body!, 'Status')).toBe('1');

    const stuck = phone.ping(STUCK_HEARTBEAT_SECONDS, [inboxId]).catch((error: unknown) => error);
    await expectEventually(
      async () =>
        expect(await (await fetch(`${suite.platform.activesyncUrl}/metrics`)).text()).toMatch(
          /pushmail_activesync_parked_pings [1-9]/,
        ),
      { timeoutMs: 10_000 },
    );
    // The trail of the parked Ping is flushed to Kafka before the gateway goes.
    await expectEventually(async () => {
      const { body } = await admin<{ records: { kind: string }[] }>(
        'GET',
        `/admin/accounts/${accountId}/devices/${phone.options.deviceId}/trail`,
      );
      // Two: the one answered at its heartbeat, and the one parked now.
      expect(body.records.filter((record) => record.kind === 'ping')).toHaveLength(2);
    });
    await suite.platform.stopService('activesync', 'SIGKILL');
    expect(await stuck).toBeInstanceOf(Error);

    const finding = await eventuallyFinding(accountId, phone.options.deviceId, 'pingsNotReturning');
    expect(finding.severity).toBe('error');
    expect(finding.evidence['pings']).toBe(1);
    expect(finding.evidence['heartbeatSeconds']).toBe(STUCK_HEARTBEAT_SECONDS);
    expect(finding.evidence['graceMs']).toBe(PING_GRACE_MS);
    expect(finding.evidence['overdueMs']).toBeGreaterThan(0);
    await suite.platform.startService('activesync');
  });
});
