import { randomBytes, randomUUID } from 'node:crypto';
import {
  mailArrivedTopic,
  type MailArrivedV1,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
} from '@pushmail/contracts';
import { createLogger, EventProducer } from '@pushmail/platform';
import { expectEventually } from '@pushmail/testing';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { outboundConfigSchema } from '../config/outbound-config.js';
import { outboundDataSourceOptions } from '../store/data-source-options.js';
import { OutboundTestBed } from '../testing/outbound-harness.js';
import { Outbox } from './outbox.js';

const hosted = `outbox-${randomBytes(4).toString('hex')}.test`;

const statusEvent = (accountId: string, attempts: number): MailDeliveryStatusV1 => ({
  eventId: randomUUID(),
  accountId,
  submissionId: `S-${randomUUID()}`,
  recipient: 'bob@elsewhere.example',
  delivered: 'queued',
  smtpReply: '451 4.3.0 try later',
  attempts,
  occurredAt: new Date().toISOString(),
});

const arrivedEvent = (accountId: string, rawBytes: number): MailArrivedV1 => ({
  eventId: randomUUID(),
  accountId,
  deliveryId: `outbound-${randomUUID()}`,
  receivedAt: new Date().toISOString(),
  envelope: { mailFrom: 'alice@elsewhere.example', rcptTo: `bob@${hosted}` },
  smtp: { clientAddress: '127.0.0.1', heloName: 'outbound', sessionId: 'local' },
  sizeBytes: rawBytes,
  rawBase64: randomBytes(rawBytes).toString('base64'),
});

describe(Outbox.name, () => {
  let bed: OutboundTestBed;
  let dataSource: DataSource;
  let producer: EventProducer;
  let outbox: Outbox;
  let db: pg.Client;

  /** Writes the events into the outbox, in order, as the outcome recorder does. */
  const write = async (entries: Array<{ topic: string; event: unknown }>) => {
    await db.query(
      `INSERT INTO outbound.outbox (topic, event)
       SELECT entry.value->>'topic', entry.value->'event'
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS entry (value, position)
        ORDER BY entry.position`,
      [JSON.stringify(entries)],
    );
  };
  const left = async () =>
    (
      await db.query<{ event_id: string }>(
        `SELECT event->>'eventId' AS event_id FROM outbound.outbox ORDER BY id`,
      )
    ).rows.map((row) => row.event_id);

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    // The service migrates its schema at boot; then it is closed, so nothing else publishes the outbox.
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
    producer = new EventProducer(bed.env.kafka, logger);
    // Never started: each test flushes by hand.
    outbox = new Outbox(dataSource, producer, logger, config);
    db = await bed.sqlClient();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await dataSource?.destroy();
    await bed?.close();
  });

  it('publishes a batch of both topics in one producer publish, in order per account, then empties it', async () => {
    const statuses = await bed.collect(mailDeliveryStatusTopic);
    const arrivals = await bed.collect(mailArrivedTopic);
    const accounts = [randomUUID(), randomUUID()];
    const written = Array.from({ length: 8 }, (_, index) =>
      index % 4 === 3
        ? { topic: mailArrivedTopic.name, event: arrivedEvent(accounts[index % 2]!, 64) }
        : { topic: mailDeliveryStatusTopic.name, event: statusEvent(accounts[index % 2]!, index) },
    );
    await write(written);
    const publishes = vi.spyOn(producer, 'publishAll');

    expect(await outbox.flush()).toBe(written.length);
    expect(publishes).toHaveBeenCalledTimes(1);
    expect(publishes.mock.calls[0]![0]).toHaveLength(written.length);
    expect(await left()).toEqual([]);
    publishes.mockRestore();

    const idsOf = (topic: string, accountId: string) =>
      written
        .filter(
          (entry) => entry.topic === topic && (entry.event as { accountId: string }).accountId === accountId,
        )
        .map((entry) => (entry.event as { eventId: string }).eventId);
    await expectEventually(
      () => {
        for (const accountId of accounts) {
          expect(
            statuses.events.filter((event) => event.accountId === accountId).map((event) => event.eventId),
          ).toEqual(idsOf(mailDeliveryStatusTopic.name, accountId));
          expect(
            arrivals.events.filter((event) => event.accountId === accountId).map((event) => event.eventId),
          ).toEqual(idsOf(mailArrivedTopic.name, accountId));
        }
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });

  it('keeps a batch within its byte bound, oldest first, and sends an event larger than the bound alone', async () => {
    const accountId = randomUUID();
    const large = [
      arrivedEvent(accountId, 300_000),
      arrivedEvent(accountId, 300_000),
      arrivedEvent(accountId, 900_000),
    ];
    const small = statusEvent(accountId, 1);
    await write(
      [...large, small].map((event) => ({
        topic: 'rawBase64' in event ? mailArrivedTopic.name : mailDeliveryStatusTopic.name,
        event,
      })),
    );
    const publishes = vi.spyOn(producer, 'publishAll');

    // About 400 kB of JSON each for the first two: together within 1 MiB; the third (1.2 MB) is not.
    expect(await outbox.flush()).toBe(2);
    expect(await left()).toEqual([large[2]!.eventId, small.eventId]);
    // Larger than the bound: alone, and the status behind it waits for the next batch.
    expect(await outbox.flush()).toBe(1);
    expect(await outbox.flush()).toBe(1);
    expect(await outbox.flush()).toBe(0);
    expect(publishes.mock.calls.map(([entries]) => entries.length)).toEqual([2, 1, 1]);
    publishes.mockRestore();
  });

  it('deletes nothing of a batch whose publish failed, and publishes what is left once it can', async () => {
    const accountId = randomUUID();
    const valid = statusEvent(accountId, 1);
    const invalid = { ...statusEvent(accountId, 2), delivered: 'maybe' };
    await write([
      { topic: mailDeliveryStatusTopic.name, event: valid },
      { topic: mailDeliveryStatusTopic.name, event: invalid },
    ]);

    await expect(outbox.flush()).rejects.toThrow(/delivered/);
    expect(await left()).toEqual([valid.eventId, invalid.eventId]);

    await db.query(`DELETE FROM outbound.outbox WHERE event->>'eventId' = $1`, [invalid.eventId]);
    expect(await outbox.flush()).toBe(1);
    expect(await left()).toEqual([]);
  });
});
