import { randomBytes, randomUUID } from 'node:crypto';
import { mailDeliveryStatusTopic, type MailDeliveryStatusV1 } from '@pushmail/contracts';
import { createLogger } from '@pushmail/platform';
import { Registry } from 'prom-client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundConfigSchema } from '../../config/outbound-config.js';
import { OutboundMetrics } from '../../metrics/outbound-metrics.js';
import { OutboundTestBed, queueDirectly } from '../../testing/outbound-harness.js';
import { type DeliveryOutcome, OUTCOME_CONNECTIONS, OutcomeRecorder } from './outcome-recorder.js';

const hosted = `recorder-${randomBytes(4).toString('hex')}.test`;
const sender = `sender@${hosted}`;
const accountId = randomUUID();

const statusEvent = (submissionId: string, recipient: string): MailDeliveryStatusV1 => ({
  eventId: randomUUID(),
  accountId,
  submissionId,
  recipient,
  delivered: 'yes',
  smtpReply: '250 2.0.0 queued as X',
  attempts: 1,
  occurredAt: new Date().toISOString(),
});

describe(OutcomeRecorder.name, () => {
  let bed: OutboundTestBed;
  let recorder: OutcomeRecorder;
  let metrics: OutboundMetrics;
  let db: pg.Client;

  const rowsOf = async (submissionId: string) =>
    (
      await db.query<{ recipient: string; status: string; attempts: number; claimed: boolean }>(
        `SELECT recipient, status, attempts, claimed_until IS NOT NULL AS claimed
           FROM outbound.deliveries WHERE submission_id = $1 ORDER BY recipient`,
        [submissionId],
      )
    ).rows;
  const outboxOf = async (submissionId: string) =>
    (
      await db.query<{ event_id: string }>(
        `SELECT event->>'eventId' AS event_id FROM outbound.outbox
          WHERE event->>'submissionId' = $1 ORDER BY id`,
        [submissionId],
      )
    ).rows.map((row) => row.event_id);
  /** One held submission to `count` recipients (`rcpt-00@…` on), with a delivered outcome for each. */
  const queuedWithOutcomes = async (count: number) => {
    const submissionId = await queueDirectly(
      db,
      sender,
      accountId,
      Array.from({ length: count }, (_, index) => `rcpt-${String(index).padStart(2, '0')}@x.example`),
      { heldForMs: 60_000 },
    );
    return { submissionId, outcomes: await outcomesOf(submissionId, count) };
  };
  const outcomesOf = async (submissionId: string, count: number) => {
    const recipients = Array.from(
      { length: count },
      (_, index) => `rcpt-${String(index).padStart(2, '0')}@x.example`,
    );
    const rows = (
      await db.query<{ id: string; recipient: string }>(
        'SELECT id, recipient FROM outbound.deliveries WHERE submission_id = $1 ORDER BY recipient',
        [submissionId],
      )
    ).rows;
    expect(rows.map((row) => row.recipient)).toEqual(recipients);
    return rows.map((row): DeliveryOutcome => ({
      deliveryId: row.id,
      status: 'delivered',
      attempts: 1,
      reply: '250 2.0.0 queued as X',
      remoteHost: 'mx.x.example:25',
      nextAttemptAt: new Date(),
      events: [
        { topic: mailDeliveryStatusTopic, event: statusEvent(submissionId, row.recipient) },
        { topic: mailDeliveryStatusTopic, event: statusEvent(submissionId, row.recipient) },
      ],
      repliedAt: performance.now(),
    }));
  };

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    // The service migrates its schema at boot; then it is closed.
    const app = await bed.startApp({ MAIL_DOMAINS: hosted });
    await app.close();
    const config = outboundConfigSchema.parse({
      KAFKA_BROKERS: bed.env.brokers,
      DATABASE_URL: bed.env.database.url,
      MAIL_DOMAINS: hosted,
    });
    metrics = new OutboundMetrics(async () => ({ queued: 0, deferred: 0, oldestSeconds: 0 }), new Registry());
    recorder = new OutcomeRecorder(config, metrics, createLogger('recorder-test', 'warn'));
    await recorder.onApplicationBootstrap();
    db = await bed.sqlClient();
  });

  afterAll(async () => {
    await recorder?.onApplicationShutdown();
    await bed?.close();
  });

  it('records outcomes handed over together, each with its events in order, on its own connections', async () => {
    const count = OUTCOME_CONNECTIONS * 4;
    const { submissionId, outcomes } = await queuedWithOutcomes(count);
    const before = (await metrics.outcomeRecordSeconds.get()).values.find(
      (value) => value.metricName?.endsWith('_count') && value.labels.part === 'window',
    );
    await Promise.all(outcomes.map((outcome) => recorder.record(outcome)));

    expect(await rowsOf(submissionId)).toEqual(
      outcomes.map((_, index) => ({
        recipient: `rcpt-${String(index).padStart(2, '0')}@x.example`,
        status: 'delivered',
        attempts: 1,
        claimed: false,
      })),
    );
    // Every event, each outcome's in the order given (outcomes on different connections may commit in
    // either order).
    const published = await outboxOf(submissionId);
    const eventIds = (outcome: DeliveryOutcome) =>
      outcome.events.map(({ event }) => (event as MailDeliveryStatusV1).eventId);
    expect([...published].sort()).toEqual(outcomes.flatMap(eventIds).sort());
    for (const outcome of outcomes) {
      const [first, second] = eventIds(outcome).map((id) => published.indexOf(id));
      expect(first).toBeLessThan(second!);
    }
    const after = (await metrics.outcomeRecordSeconds.get()).values.find(
      (value) => value.metricName?.endsWith('_count') && value.labels.part === 'window',
    );
    expect((after?.value ?? 0) - (before?.value ?? 0)).toBe(count);
    // Nothing but the recorder's own connections wrote them.
    const connections = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE application_name = 'outbound-outcomes' AND datname = current_database()`,
    );
    expect(connections.rows[0]!.count).toBe(OUTCOME_CONNECTIONS);
  });

  it('records the outcomes handed over in one turn of the event loop in one statement', async () => {
    const count = 10;
    const { submissionId, outcomes } = await queuedWithOutcomes(count);
    // A burst of 250s read together: not one alone on each connection and the rest a round trip later.
    await Promise.all(outcomes.map((outcome) => recorder.record(outcome)));
    const transactions = await db.query<{ count: number }>(
      `SELECT count(DISTINCT xmin::text)::int AS count FROM outbound.deliveries WHERE submission_id = $1`,
      [submissionId],
    );
    expect(transactions.rows[0]!.count).toBe(1);
  });

  it('fails every outcome of a statement that fails, and writes none of them', async () => {
    const submissionId = await queueDirectly(
      db,
      sender,
      accountId,
      ['rcpt-00@x.example', 'rcpt-01@x.example'],
      {
        heldForMs: 60_000,
      },
    );
    const [good, bad] = await outcomesOf(submissionId, 2);
    // Occupy both connections, so that the two outcomes go in one statement after them.
    const blockers = await Promise.all(
      Array.from({ length: OUTCOME_CONNECTIONS }, async () => {
        const blockerId = await queueDirectly(db, sender, accountId, ['rcpt-00@x.example']);
        const [outcome] = await outcomesOf(blockerId, 1);
        return outcome!;
      }),
    );
    await db.query('BEGIN');
    await db.query('LOCK TABLE outbound.outbox IN EXCLUSIVE MODE');
    // Each in a turn of the event loop of its own: outcomes handed over in one turn go together.
    const blocked: Promise<void>[] = [];
    for (const outcome of blockers) {
      blocked.push(recorder.record(outcome));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const together = Promise.allSettled([
      recorder.record(good!),
      recorder.record({ ...bad!, status: 'lost' as DeliveryOutcome['status'] }),
    ]);
    await db.query('COMMIT');
    await Promise.all(blocked);
    const [first, second] = await together;
    expect(first!.status).toBe('rejected');
    expect(second!.status).toBe('rejected');
    expect((first as PromiseRejectedResult).reason).toMatchObject({ message: /deliveries_status_check/ });
    expect((await rowsOf(submissionId)).map((row) => row.status)).toEqual(['queued', 'queued']);
    expect(await outboxOf(submissionId)).toEqual([]);
  });

  it('refuses an outcome whose event is invalid before anything is written', async () => {
    const submissionId = await queueDirectly(db, sender, accountId, ['rcpt-00@x.example'], {
      heldForMs: 60_000,
    });
    const [outcome] = await outcomesOf(submissionId, 1);
    const event = { ...(outcome!.events[0]!.event as MailDeliveryStatusV1), delivered: 'maybe' };
    expect(() =>
      recorder.record({ ...outcome!, events: [{ topic: mailDeliveryStatusTopic, event }] }),
    ).toThrow(/delivered/);
    expect(await rowsOf(submissionId)).toEqual([
      { recipient: 'rcpt-00@x.example', status: 'queued', attempts: 0, claimed: true },
    ]);
  });
});
