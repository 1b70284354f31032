import { randomBytes, randomUUID } from 'node:crypto';
import { allTopics, decodeEvent, mailArrivedTopic, type MailArrivedV1 } from '@pushmail/contracts';
import { createKafka, createLogger, ensureTopics, EventProducer } from '@pushmail/platform';
import { expectEventually, fixtureZoneResolver, splitTraceFields, submitMessage } from '@pushmail/testing';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpListener } from '../../smtp/smtp-listener.js';
import { startLoopbackListener } from '../../testing/loopback-listener.js';
import { testSessionHandler } from '../../testing/session-handler.js';
import { KafkaMailArrivedPublisher } from '../accept-message/mail-arrived-publisher.js';
import { AuthenticateSender } from './authenticate-sender.usecase.js';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const logger = createLogger('ingest-test', process.env['LOG_LEVEL'] ?? 'silent');
const EVENTUALLY = { timeoutMs: 15_000, intervalMs: 50 };
const suffix = randomBytes(4).toString('hex');
// Two hosted domains, one refusing DMARC failures and one marking them.
const strictDomain = `strict-${suffix}.test`;
const relaxedDomain = `relaxed-${suffix}.test`;
const alice = { accountId: randomUUID(), address: `alice@${strictDomain}` };
const bob = { accountId: randomUUID(), address: `bob@${relaxedDomain}` };
// The test client connects from 127.0.0.1, which bank.example's SPF record authorises.
const resolver = fixtureZoneResolver({
  'bank.example': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  '_dmarc.bank.example': { TXT: ['v=DMARC1; p=reject'] },
  'spoofed.example': { TXT: ['v=spf1 ip4:203.0.113.9 -all'] },
  '_dmarc.spoofed.example': { TXT: ['v=DMARC1; p=reject'] },
});

function message(from: string, to: string): { raw: Buffer; subject: string } {
  const subject = `check ${randomUUID()}`;
  const raw = Buffer.from(
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@x>\r\n\r\nhello\r\n`,
  );
  return { raw, subject };
}

describe(AuthenticateSender.name, () => {
  let producer: EventProducer;
  let consumer: Consumer;
  let listener: SmtpListener;
  let port: number;
  const arrived: MailArrivedV1[] = [];

  function arrivedWith(subject: string): MailArrivedV1 | undefined {
    return arrived.find((event) => Buffer.from(event.rawBase64, 'base64').toString().includes(subject));
  }

  const eventuallyArrived = (subject: string): Promise<MailArrivedV1> =>
    expectEventually(() => {
      const found = arrivedWith(subject);
      expect(found).toBeDefined();
      return found!;
    }, EVENTUALLY);

  beforeAll(async () => {
    const kafka = createKafka({ brokers, clientId: 'ingest-auth-test', logger });
    await ensureTopics(kafka, allTopics, logger);
    producer = new EventProducer(kafka, logger);
    await producer.connect();
    consumer = kafka.consumer({ groupId: `ingest-auth-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [mailArrivedTopic.name], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message: record }) => {
        const decoded = decodeEvent(mailArrivedTopic, record.value);
        if (decoded.ok && [alice.accountId, bob.accountId].some((id) => id === decoded.event.accountId)) {
          arrived.push(decoded.event);
        }
      },
    });

    const { handler } = testSessionHandler({
      domains: [strictDomain, relaxedDomain],
      accounts: [alice, bob],
      publisher: new KafkaMailArrivedPublisher(producer),
      publishTimeoutMs: 10_000,
      limits: {
        maxMessageBytes: 64 * 1024,
        maxRecipients: 10,
        maxClients: 10,
        maxClientsPerAddress: 10,
        errorDelayMs: 0,
      },
      logger,
      authenticateSender: new AuthenticateSender({
        hostname: 'mx.ingest.test',
        resolver,
        policies: new Map([[strictDomain, 'reject']]),
        defaultPolicy: 'mark',
        timeoutMs: 5000,
      }),
    });
    ({ listener, port } = await startLoopbackListener(handler, logger));
    // The consumer reads from the end: wait until it has its partitions before anything is sent.
    await expectEventually(async () => {
      const probe = message('news@bank.example', bob.address);
      await submitMessage(port, [bob.address], probe.raw, 'news@bank.example');
      expect(arrivedWith(probe.subject)).toBeDefined();
    }, EVENTUALLY);
  });

  afterAll(async () => {
    await listener?.stop();
    await consumer?.disconnect();
    await producer?.disconnect();
  });

  it('refuses a forged sender with 550 5.7.1 for a domain whose policy is reject, and publishes nothing', async () => {
    const forged = message('ceo@spoofed.example', alice.address);
    const genuine = message('news@bank.example', alice.address);

    const refused = await submitMessage(port, [alice.address], forged.raw, 'ceo@spoofed.example');
    const accepted = await submitMessage(port, [alice.address], genuine.raw, 'news@bank.example');

    expect(refused).toEqual({
      code: 550,
      response: '550 5.7.1 Message rejected: it fails the DMARC policy of spoofed.example',
    });
    expect(accepted.code).toBe(250);
    // Both are keyed by alice's account, so the forged one would have arrived first.
    const event = await eventuallyArrived(genuine.subject);
    expect(arrivedWith(forged.subject)).toBeUndefined();
    const { trace, sent } = splitTraceFields(Buffer.from(event.rawBase64, 'base64'));
    expect(sent.equals(genuine.raw)).toBe(true);
    expect(trace).toMatch(/^Return-Path: <news@bank\.example>\r\n/);
    expect(trace).toMatch(/Authentication-Results: mx\.ingest\.test;[\s\S]*spf=pass[\s\S]*dmarc=pass/);
    expect(event.authentication).toEqual({ spf: 'pass', dkim: 'none', dmarc: 'pass', arc: 'none' });
  });

  it('stores a forged sender marked dmarc=fail for a domain whose policy is mark', async () => {
    const forged = message('ceo@spoofed.example', bob.address);

    const outcome = await submitMessage(port, [bob.address], forged.raw, 'ceo@spoofed.example');

    expect(outcome.code).toBe(250);
    const event = await eventuallyArrived(forged.subject);
    const { trace, sent } = splitTraceFields(Buffer.from(event.rawBase64, 'base64'));
    expect(sent.equals(forged.raw)).toBe(true);
    expect(trace).toMatch(/Authentication-Results: mx\.ingest\.test;[\s\S]*spf=fail[\s\S]*dmarc=fail/);
    expect(event.authentication).toMatchObject({ spf: 'fail', dmarc: 'fail' });
    expect(trace).toMatch(/\r\nReceived: from /);
  });
});
