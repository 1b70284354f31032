import 'reflect-metadata';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import {
  accountTopic,
  allTopics,
  decodeEvent,
  mailArrivedTopic,
  type AccountSnapshotV1,
  type MailArrivedV1,
} from '@pushmail/contracts';
import { createKafka, createLogger, ensureTopics, EventProducer, loadConfig } from '@pushmail/platform';
import type { Consumer, Kafka } from 'kafkajs';
import { expectEventually, listenOnLoopback, splitTraceFields, submitMessage } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from './app.module.js';
import { ingestConfigSchema, type IngestConfig } from './config/ingest-config.js';
import { SmtpLifecycleService } from './smtp/smtp-lifecycle.service.js';
import { SmtpListener } from './smtp/smtp-listener.js';
import { ingestService } from './service.js';

const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092';
const logger = createLogger('ingest-test', process.env['LOG_LEVEL'] ?? 'silent');
const domain = `ingest-${randomBytes(4).toString('hex')}.test`;
const maxMessageBytes = 64 * 1024;

let kafka: Kafka;
let producer: EventProducer;
let consumer: Consumer;
const arrived: MailArrivedV1[] = [];
/** The broker is shared with the other suites: events may take a while. */
const EVENTUALLY = { timeoutMs: 15_000, intervalMs: 50 };

function snapshot(address: string, overrides: Partial<AccountSnapshotV1> = {}): AccountSnapshotV1 {
  return {
    accountId: randomUUID(),
    revision: 1,
    address,
    status: 'active',
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

function configFor(overrides: Record<string, string> = {}): IngestConfig {
  return loadConfig(ingestConfigSchema, {
    KAFKA_BROKERS: brokers,
    MAIL_DOMAINS: domain.toUpperCase(),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '0',
    SMTP_HOSTNAME: 'mx.ingest.test',
    SMTP_MAX_MESSAGE_BYTES: String(maxMessageBytes),
    ...overrides,
  });
}

async function startApp(
  config: IngestConfig,
): Promise<{ app: INestApplication; smtpPort: number; httpUrl: string }> {
  const { app, baseUrl } = await listenOnLoopback(ingestService, config, logger, { frameworkLogs: false });
  await app.get(SmtpLifecycleService).serving;
  const smtpPort = app.get(SmtpListener).address!.port;
  return { app, smtpPort, httpUrl: baseUrl };
}

function message(subject: string, body = 'hello'): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@elsewhere.example>',
      `To: someone@${domain}`,
      `Subject: ${subject}`,
      `Message-ID: <${randomUUID()}@elsewhere.example>`,
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

/** A bare SMTP client for steps nodemailer does not expose (pausing inside DATA). */
class RawSmtp {
  private buffer = '';
  private waiting: ((line: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.flush();
    });
  }

  static async open(port: number): Promise<RawSmtp> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawSmtp(socket);
    await client.reply();
    return client;
  }

  reply(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.flush();
    });
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  write(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }

  private flush(): void {
    const match = /^\d{3} [^\r\n]*\r\n/m.exec(this.buffer);
    if (!match || !this.waiting) return;
    const end = match.index + match[0].length;
    const line = match[0].trim();
    this.buffer = this.buffer.slice(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting(line);
  }
}

const known = snapshot(`Known.${randomBytes(3).toString('hex')}@${domain}`);

beforeAll(async () => {
  kafka = createKafka({ brokers: brokers.split(','), clientId: 'ingest-test', logger });
  await ensureTopics(kafka, allTopics, logger);
  producer = new EventProducer(kafka, logger);
  await producer.connect();
  // Published before the service starts: it must know this account as soon as SMTP opens.
  await producer.publish(accountTopic, [known]);

  consumer = kafka.consumer({ groupId: `ingest-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [mailArrivedTopic.name], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message: record }) => {
      const decoded = decodeEvent(mailArrivedTopic, record.value);
      if (decoded.ok) arrived.push(decoded.event);
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
});

describe(AppModule.name, () => {
  let app: INestApplication;
  let smtpPort: number;
  let httpUrl: string;

  beforeAll(async () => {
    ({ app, smtpPort, httpUrl } = await startApp(configFor()));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reports ready once the accounts are read, the producer is connected and SMTP listens', async () => {
    const response = await fetch(`${httpUrl}/health/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { 'kafka-producer': true, 'accounts-view': true, smtp: true },
    });
  });

  it('answers 250 only once the event is on the mail-arrived topic, with the raw bytes', async () => {
    const raw = message('first');

    const outcome = await submitMessage(smtpPort, [known.address.toUpperCase()], raw);

    expect(outcome.code).toBe(250);
    expect(outcome.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-F]{16}$/);
    const deliveryId = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${known.accountId}\n`), raw]))
      .digest('hex');
    const event = await expectEventually(() => {
      const found = arrived.find((candidate) => candidate.deliveryId === deliveryId);
      expect(found).toBeDefined();
      return found!;
    }, EVENTUALLY);
    expect(event.accountId).toBe(known.accountId);
    const stored = Buffer.from(event.rawBase64, 'base64');
    const { trace, sent } = splitTraceFields(stored);
    expect(sent.equals(raw)).toBe(true);
    // No DNS answers here: the sender checks find no records, and say so.
    expect(trace).toMatch(
      /^Return-Path: <sender@elsewhere\.example>\r\n(?:Received-SPF|Authentication-Results): [\s\S]*\r\nReceived: from /,
    );
    expect(trace).toMatch(/Authentication-Results: mx\.ingest\.test;[\s\S]*dmarc=none/);
    expect(event.sizeBytes).toBe(stored.length);
    expect(event.envelope).toEqual({
      mailFrom: 'sender@elsewhere.example',
      rcptTo: known.address.toLowerCase(),
    });
    expect(event.smtp.clientAddress).toMatch(/127\.0\.0\.1/);
  });

  it('refuses an unknown user of a hosted domain with 550 5.1.1', async () => {
    const outcome = await submitMessage(
      smtpPort,
      [`nobody-${randomUUID().slice(0, 8)}@${domain}`],
      message('nobody'),
    );

    expect(outcome.code).toBe(550);
    expect(outcome.response).toMatch(
      /^550 5\.1\.1 <nobody-[0-9a-f]+@.+>: Recipient address rejected: no such user$/,
    );
  });

  it('refuses a domain it does not host with 550 5.7.1', async () => {
    const outcome = await submitMessage(smtpPort, ['someone@elsewhere.example'], message('relay'));

    expect(outcome).toEqual({ code: 550, response: '550 5.7.1 Relay access denied' });
  });

  it('refuses a message declared over the size limit at MAIL FROM with 552', async () => {
    const client = await RawSmtp.open(smtpPort);
    try {
      await client.command('EHLO size.test');
      const reply = await client.command(`MAIL FROM:<sender@elsewhere.example> SIZE=${maxMessageBytes + 1}`);

      expect(reply).toMatch(/^552 /);
    } finally {
      client.close();
    }
  });

  it('refuses an undeclared message over the size limit with 552 5.3.4 and keeps serving', async () => {
    const big = message('big', 'x'.repeat(maxMessageBytes + 1));

    const refused = await submitMessage(smtpPort, [known.address], big);
    const small = await submitMessage(smtpPort, [known.address], message('small'));

    expect(refused).toEqual({
      code: 552,
      response: '552 5.3.4 Message size exceeds fixed maximum message size',
    });
    expect(small.code).toBe(250);
  });

  it('follows account changes published while it runs', async () => {
    const later = snapshot(`later.${randomBytes(3).toString('hex')}@${domain}`);
    await producer.publish(accountTopic, [later]);

    await expectEventually(
      async () => expect((await submitMessage(smtpPort, [later.address], message('later'))).code).toBe(250),
      EVENTUALLY,
    );

    await producer.publish(accountTopic, [{ ...later, revision: 2, status: 'disabled' }]);

    await expectEventually(
      async () => expect((await submitMessage(smtpPort, [later.address], message('gone'))).code).toBe(550),
      EVENTUALLY,
    );
  });
});

describe(SmtpLifecycleService.name, () => {
  it('on shutdown finishes a message already in DATA, then stops accepting connections', async () => {
    const { app, smtpPort } = await startApp(configFor());
    const client = await RawSmtp.open(smtpPort);
    await client.command('EHLO drain.test');
    await client.command('MAIL FROM:<sender@elsewhere.example>');
    expect(await client.command(`RCPT TO:<${known.address}>`)).toMatch(/^250/);
    expect(await client.command('DATA')).toMatch(/^354/);
    const subject = `drain-${randomUUID()}`;
    client.write(`Subject: ${subject}\r\n\r\n`);

    const closing = app.close();
    await expectEventually(() => expect(app.get(SmtpListener).isListening).toBe(false), EVENTUALLY);
    client.write('the rest of the message\r\n.\r\n');

    expect(await client.reply()).toMatch(/^250 2\.0\.0 Ok: queued as /);
    client.close();
    await closing;
    await expect(RawSmtp.open(smtpPort)).rejects.toThrow(/ECONNREFUSED/);
    await expectEventually(
      () =>
        expect(
          arrived.some((event) => Buffer.from(event.rawBase64, 'base64').toString().includes(subject)),
        ).toBe(true),
      EVENTUALLY,
    );
  });
});
