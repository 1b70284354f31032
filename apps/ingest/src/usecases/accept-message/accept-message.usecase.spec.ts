import { randomUUID } from 'node:crypto';
import { mailArrivedV1, type MailArrivedV1 } from '@pushmail/contracts';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { IngestMetrics } from '../../metrics/ingest-metrics.js';
import { AcceptMessage, PublishFailedError, type IncomingMessage } from './accept-message.usecase.js';
import { deliveryIdOf } from './delivery-id.js';
import type { MailArrivedPublisher } from './mail-arrived-publisher.js';

class RecordingPublisher implements MailArrivedPublisher {
  readonly calls: { events: MailArrivedV1[]; headers: Record<string, string> }[] = [];
  behaviour: 'ok' | 'fail' | 'hang' = 'ok';

  publish(events: readonly MailArrivedV1[], headers: Record<string, string>): Promise<void> {
    this.calls.push({ events: [...events], headers });
    if (this.behaviour === 'fail') return Promise.reject(new Error('broker unreachable'));
    if (this.behaviour === 'hang') return new Promise(() => undefined);
    return Promise.resolve();
  }
}

function message(overrides: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    raw: Buffer.from('From: a@elsewhere.example\r\nSubject: hi\r\n\r\nbody\r\n'),
    mailFrom: 'a@elsewhere.example',
    recipients: [{ address: 'alice@example.com', accountId: randomUUID() }],
    smtp: { clientAddress: '192.0.2.10', heloName: 'mx.elsewhere.example', sessionId: 'abc123' },
    receivedAt: new Date('2030-01-02T03:04:05.000Z'),
    ...overrides,
  };
}

function setup(options: { publishTimeoutMs?: number; maxPublishBytes?: number } = {}) {
  const publisher = new RecordingPublisher();
  const registry = new Registry();
  const useCase = new AcceptMessage(publisher, new IngestMetrics(registry), {
    publishTimeoutMs: options.publishTimeoutMs ?? 1000,
    ...(options.maxPublishBytes === undefined ? {} : { maxPublishBytes: options.maxPublishBytes }),
  });
  return { publisher, registry, useCase };
}

describe(AcceptMessage.name, () => {
  it('publishes one valid event per recipient account, carrying the raw bytes, in one call', async () => {
    const { publisher, useCase } = setup();
    const alice = randomUUID();
    const bob = randomUUID();
    const incoming = message({
      recipients: [
        { address: 'alice@example.com', accountId: alice },
        { address: 'bob@example.com', accountId: bob },
      ],
    });

    const accepted = await useCase.execute(incoming);

    expect(publisher.calls).toHaveLength(1);
    const [call] = publisher.calls;
    expect(call!.headers).toEqual({ 'smtp-queue-id': accepted.queueId });
    expect(call!.events.map((event) => event.accountId)).toEqual([alice, bob]);
    for (const event of call!.events) {
      expect(mailArrivedV1.safeParse(event).success).toBe(true);
      expect(Buffer.from(event.rawBase64, 'base64').equals(incoming.raw)).toBe(true);
      expect(event.deliveryId).toBe(deliveryIdOf(event.accountId, incoming.raw));
      expect(event.sizeBytes).toBe(incoming.raw.length);
      expect(event.receivedAt).toBe('2030-01-02T03:04:05.000Z');
      expect(event.smtp).toEqual(incoming.smtp);
    }
    expect(call!.events[1]!.envelope).toEqual({ mailFrom: 'a@elsewhere.example', rcptTo: 'bob@example.com' });
    expect(new Set(call!.events.map((event) => event.eventId)).size).toBe(2);
    expect(accepted.accounts).toBe(2);
    expect(accepted.deliveryIds).toEqual(call!.events.map((event) => event.deliveryId));
  });

  it('publishes once per account when two recipient addresses reach the same account', async () => {
    const { publisher, useCase } = setup();
    const accountId = randomUUID();

    await useCase.execute(
      message({
        recipients: [
          { address: 'alice@example.com', accountId },
          { address: 'alias@example.com', accountId },
        ],
      }),
    );

    expect(publisher.calls[0]!.events).toHaveLength(1);
    expect(publisher.calls[0]!.events[0]!.envelope.rcptTo).toBe('alice@example.com');
  });

  it('keeps each publish call under the byte budget when a large message goes to many accounts', async () => {
    const { publisher, useCase } = setup({ maxPublishBytes: 40_000 });
    const recipients = Array.from({ length: 5 }, (_, index) => ({
      address: `user${index}@example.com`,
      accountId: randomUUID(),
    }));

    // 15 kB raw is 20 kB base64: one event per call fits a 40 kB budget, two do not.
    await useCase.execute(message({ raw: Buffer.alloc(15_000, 'a'), recipients }));

    expect(publisher.calls.map((call) => call.events.length)).toEqual([1, 1, 1, 1, 1]);
    expect(publisher.calls.flatMap((call) => call.events.map((event) => event.accountId))).toEqual(
      recipients.map((recipient) => recipient.accountId),
    );
  });

  it('fails with PublishFailedError when the publisher fails', async () => {
    const { publisher, useCase } = setup();
    publisher.behaviour = 'fail';

    await expect(useCase.execute(message())).rejects.toBeInstanceOf(PublishFailedError);
  });

  it('fails with PublishFailedError when publishing outlasts the timeout', async () => {
    const { publisher, useCase } = setup({ publishTimeoutMs: 30 });
    publisher.behaviour = 'hang';

    await expect(useCase.execute(message())).rejects.toThrow(/timed out after 30 ms/);
  });

  it('records the publish duration by outcome', async () => {
    const { publisher, registry, useCase } = setup();
    await useCase.execute(message());
    publisher.behaviour = 'fail';
    await useCase.execute(message()).catch(() => undefined);

    const exposition = await registry.getSingleMetricAsString('pushmail_ingest_publish_seconds');
    expect(exposition).toContain('pushmail_ingest_publish_seconds_count{outcome="ok"} 1');
    expect(exposition).toContain('pushmail_ingest_publish_seconds_count{outcome="failed"} 1');
  });
});
