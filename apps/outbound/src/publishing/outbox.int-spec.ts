import { randomBytes, randomUUID } from 'node:crypto';
import { mailDeliveryStatusTopic, type MailDeliveryStatusV1 } from '@pushmail/contracts';
import { createLogger, EventProducer } from '@pushmail/platform';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundConfigSchema } from '../config/outbound-config.js';
import { outboundDataSourceOptions } from '../store/data-source-options.js';
import { OutboundTestBed, queueDirectly } from '../testing/outbound-harness.js';
import { Outbox } from './outbox.js';

const hosted = `outbox-${randomBytes(4).toString('hex')}.test`;
const sender = `sender@${hosted}`;
const accountId = randomUUID();

const RECORD = `UPDATE outbound.deliveries SET status = $2, attempts = attempts + 1 WHERE submission_id = $1`;

const statusEvent = (submissionId: string, attempts: number): MailDeliveryStatusV1 => ({
  eventId: randomUUID(),
  accountId,
  submissionId,
  recipient: 'bob@elsewhere.example',
  delivered: 'queued',
  smtpReply: '451 4.3.0 try later',
  attempts,
  occurredAt: new Date().toISOString(),
});

describe(Outbox.name, () => {
  let bed: OutboundTestBed;
  let dataSource: DataSource;
  let outbox: Outbox;
  let db: pg.Client;

  const rowOf = async (submissionId: string) =>
    (
      await db.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM outbound.deliveries WHERE submission_id = $1',
        [submissionId],
      )
    ).rows[0];
  const outboxOf = async (submissionId: string) =>
    (
      await db.query<{ topic: string; event_id: string }>(
        `SELECT topic, event->>'eventId' AS event_id FROM outbound.outbox
          WHERE event->>'submissionId' = $1 ORDER BY id`,
        [submissionId],
      )
    ).rows;

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    // The service migrates its schema at boot; then it is closed, so nothing publishes the outbox.
    const app = await bed.startApp({ MAIL_DOMAINS: hosted });
    await app.close();
    dataSource = new DataSource(outboundDataSourceOptions(bed.env.database.url));
    await dataSource.initialize();
    const logger = createLogger('outbox-test', 'warn');
    const config = outboundConfigSchema.parse({
      KAFKA_BROKERS: bed.env.brokers,
      DATABASE_URL: bed.env.database.url,
      MAIL_DOMAINS: hosted,
      OUTBOUND_HOSTNAME: bed.env.hostname,
    });
    // Never started or flushed here: what `addWith` writes stays in the table to be read.
    outbox = new Outbox(dataSource, new EventProducer(bed.env.kafka, logger), logger, config);
    db = await bed.sqlClient();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await bed?.close();
  });

  it('writes the change and its events, in order, in one statement', async () => {
    const submissionId = await queueDirectly(db, sender, accountId, ['bob@elsewhere.example']);
    const first = statusEvent(submissionId, 1);
    const second = statusEvent(submissionId, 2);
    await outbox.addWith(
      RECORD,
      [submissionId, 'deferred'],
      [
        { topic: mailDeliveryStatusTopic, event: first },
        { topic: mailDeliveryStatusTopic, event: second },
      ],
    );
    expect(await rowOf(submissionId)).toEqual({ status: 'deferred', attempts: 1 });
    expect(await outboxOf(submissionId)).toEqual([
      { topic: mailDeliveryStatusTopic.name, event_id: first.eventId },
      { topic: mailDeliveryStatusTopic.name, event_id: second.eventId },
    ]);
  });

  it('writes no event when the change fails, and no change when an event is invalid', async () => {
    const submissionId = await queueDirectly(db, sender, accountId, ['bob@elsewhere.example']);
    const event = statusEvent(submissionId, 1);
    await expect(
      outbox.addWith(RECORD, [submissionId, 'lost'], [{ topic: mailDeliveryStatusTopic, event }]),
    ).rejects.toThrow(/deliveries_status_check/);
    await expect(
      outbox.addWith(
        RECORD,
        [submissionId, 'deferred'],
        [{ topic: mailDeliveryStatusTopic, event: { ...event, delivered: 'maybe' } }],
      ),
    ).rejects.toThrow(/delivered/);
    expect(await rowOf(submissionId)).toEqual({ status: 'queued', attempts: 0 });
    expect(await outboxOf(submissionId)).toEqual([]);
  });
});
