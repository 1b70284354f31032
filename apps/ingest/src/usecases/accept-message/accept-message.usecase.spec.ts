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
    protocol: 'ESMTP',
    receivedAt: new Date('2030-01-02T03:04:05.000Z'),
    ...overrides,
  };
}

/** The stored bytes split into the trace fields ingest prepends and what follows them. */
function splitTrace(stored: Buffer): { trace: string; rest: Buffer } {
  const text = stored.toString('latin1');
  const match = /^Return-Path: <[^\r\n]*>\r\nReceived: [^\r\n]*(?:\r\n[ \t][^\r\n]*)*\r\n/.exec(text);
  if (!match) throw new Error(`no trace fields at the top of: ${text.slice(0, 200)}`);
  return { trace: match[0], rest: stored.subarray(Buffer.byteLength(match[0], 'latin1')) };
}

function setup(options: { publishTimeoutMs?: number; maxPublishBytes?: number } = {}) {
  const publisher = new RecordingPublisher();
  const registry = new Registry();
  const useCase = new AcceptMessage(publisher, new IngestMetrics(registry), {
    publishTimeoutMs: options.publishTimeoutMs ?? 1000,
    hostname: 'mx.example.com',
    authservIds: ['example.com'],
    ...(options.maxPublishBytes === undefined ? {} : { maxPublishBytes: options.maxPublishBytes }),
  });
  return { publisher, registry, useCase };
}

describe(AcceptMessage.name, () => {
  it('publishes one valid event per recipient account, carrying the trace fields then the bytes as sent, in one call', async () => {
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
      const stored = Buffer.from(event.rawBase64, 'base64');
      expect(splitTrace(stored).rest.equals(incoming.raw)).toBe(true);
      expect(event.deliveryId).toBe(deliveryIdOf(event.accountId, incoming.raw));
      expect(event.sizeBytes).toBe(stored.length);
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

  it('prepends Return-Path and a Received field naming the client, this server and the queue id', async () => {
    const { publisher, useCase } = setup();

    const accepted = await useCase.execute(message({ protocol: 'UTF8SMTP' }));

    const { trace } = splitTrace(Buffer.from(publisher.calls[0]!.events[0]!.rawBase64, 'base64'));
    expect(trace).toBe(
      'Return-Path: <a@elsewhere.example>\r\n' +
        'Received: from mx.elsewhere.example ([192.0.2.10])\r\n' +
        `\tby mx.example.com with UTF8SMTP id ${accepted.queueId};\r\n` +
        '\tWed, 02 Jan 2030 03:04:05 +0000\r\n',
    );
  });

  it('keeps client-chosen values from breaking out of the trace fields', async () => {
    const { publisher, useCase } = setup();

    await useCase.execute(
      message({
        mailFrom: 'x>\r\nBcc: victim@example.com',
        smtp: { clientAddress: '::ffff:192.0.2.1', heloName: 'evil (x);\r\nX-Forged: 1 ünï', sessionId: 's' },
      }),
    );

    const { trace, rest } = splitTrace(Buffer.from(publisher.calls[0]!.events[0]!.rawBase64, 'base64'));
    expect(trace.split('\r\n')).toHaveLength(5);
    expect(trace).not.toMatch(/^(Bcc|X-Forged):/m);
    expect(trace).toContain('([192.0.2.1])');
    expect(trace).toMatch(/^Received: from [\x21-\x7e]+ \(/m);
    expect(rest.toString()).toMatch(/^From: a@elsewhere\.example\r\n/);
  });

  it('gives a retry of the same bytes the same delivery id although its trace fields differ', async () => {
    const { publisher, useCase } = setup();
    const incoming = message();

    const first = await useCase.execute(incoming);
    const retry = await useCase.execute({ ...incoming, receivedAt: new Date('2030-01-02T03:09:00.000Z') });

    expect(retry.deliveryIds).toEqual(first.deliveryIds);
    const [one, two] = publisher.calls.map((call) => call.events[0]!.rawBase64);
    expect(one).not.toBe(two);
  });

  it('stores the message without the Authentication-Results fields that claim this server or a hosted domain, under the same delivery id', async () => {
    const { publisher, useCase } = setup();
    const raw = Buffer.from(
      'Authentication-Results: mx.example.com; dmarc=pass\r\n' +
        'From: a@elsewhere.example\r\n' +
        'Authentication-Results: Example.com; dkim=pass\r\n' +
        'Authentication-Results: mx.elsewhere.example; spf=pass\r\n' +
        'Subject: hi\r\n\r\nbody\r\n',
    );
    const ours = 'Authentication-Results: mx.example.com;\r\n spf=fail\r\n';

    await useCase.execute(message({ raw, authenticationFields: ours }));

    const event = publisher.calls[0]!.events[0]!;
    const stored = Buffer.from(event.rawBase64, 'base64').toString('latin1');
    expect(stored).toContain(`\r\n${ours}Received: `);
    expect(stored.slice(stored.indexOf('\r\nFrom: ') + 2)).toBe(
      'From: a@elsewhere.example\r\nAuthentication-Results: mx.elsewhere.example; spf=pass\r\nSubject: hi\r\n\r\nbody\r\n',
    );
    expect(event.deliveryId).toBe(deliveryIdOf(event.accountId, raw));
  });
});
