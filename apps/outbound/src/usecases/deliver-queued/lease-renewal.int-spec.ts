import { randomBytes, randomUUID } from 'node:crypto';
import { expectEventually } from '@pushmail/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundTestBed, queueDirectly } from '../../testing/outbound-harness.js';
import type { SmtpReceiver } from '../../testing/smtp-receiver.js';
import { LeaseRenewal } from './lease-renewal.js';

const hosted = `lease-${randomBytes(4).toString('hex')}.test`;
const remote = `remote-${randomBytes(4).toString('hex')}.example`;
const sender = `sender@${hosted}`;
const LEASE_MS = 1000;
/** The receiver answers MAIL FROM this late: an attempt outlasts three leases. */
const SLOW_MS = 3500;

describe(LeaseRenewal.name, () => {
  let bed: OutboundTestBed;
  let mx: SmtpReceiver;
  let db: pg.Client;
  const attemptsTo = new Map<string, number>();

  const statusOf = async (submissionId: string) =>
    (
      await db.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM outbound.deliveries WHERE submission_id = $1',
        [submissionId],
      )
    ).rows[0];

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    mx = await bed.smtpReceiver({
      disabledCommands: ['STARTTLS'],
      onMailFrom(_address, session, callback) {
        const first = session.envelope.rcptTo.length === 0;
        if (first) attemptsTo.set(session.id, (attemptsTo.get(session.id) ?? 0) + 1);
        setTimeout(callback, SLOW_MS);
      },
    });
    const config = {
      MAIL_DOMAINS: hosted,
      MX_OVERRIDES: `${remote}=127.0.0.1:${mx.port}`,
      DELIVERY_LEASE_MS: String(LEASE_MS),
      SMTP_TIMEOUT_MS: '20000',
    };
    // Two replicas: a replica works one batch at a time, so only another one could claim again.
    await bed.startApp(config);
    await bed.startApp(config);
    db = await bed.sqlClient();
  });

  afterAll(() => bed?.close());

  it('keeps an attempt that outlasts the lease to one replica: one connection, one copy delivered', async () => {
    const submissionId = await queueDirectly(db, sender, randomUUID(), [`slow@${remote}`]);

    await expectEventually(
      async () => expect(await statusOf(submissionId)).toEqual({ status: 'delivered', attempts: 1 }),
      {
        timeoutMs: 30_000,
      },
    );

    expect(mx.received.filter((message) => message.raw.toString().includes(submissionId))).toHaveLength(1);
    // Without renewal, the other replica would have claimed it again after 1 s: a second session.
    expect([...attemptsTo.values()].reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('takes over within about a lease a delivery whose replica died holding it', async () => {
    // As a claim leaves it: due and held until the lease ends, and nobody renewing it.
    const submissionId = await queueDirectly(db, sender, randomUUID(), [`orphan@${remote}`], {
      dueInMs: LEASE_MS,
      heldForMs: LEASE_MS,
    });
    const queuedAt = Date.now();

    await expectEventually(
      async () => expect(await statusOf(submissionId)).toMatchObject({ status: 'delivered' }),
      {
        timeoutMs: 30_000,
      },
    );

    // The lease, then one slow attempt; the old 10-minute lease would have kept it that long.
    expect(Date.now() - queuedAt).toBeLessThan(LEASE_MS + SLOW_MS + 5000);
  });
});
