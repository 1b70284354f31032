import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import { type SmtpOutcome, submitMessage } from '@pushmail/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestMetrics } from '../metrics/ingest-metrics.js';
import { RecipientDirectory } from '../recipients/recipient-directory.js';
import { AcceptMessage } from '../usecases/accept-message/accept-message.usecase.js';
import { KafkaMailArrivedPublisher } from '../usecases/accept-message/mail-arrived-publisher.js';
import { SmtpListener } from './smtp-listener.js';
import { SmtpSessionHandler } from './smtp-session.handler.js';

const logger = createLogger('ingest-test', process.env['LOG_LEVEL'] ?? 'silent');
const address = 'alice@example.com';

/** A port nothing listens on: taken from the OS, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the first complete reply line from the server that matches. */
function replyMatching(socket: Socket, pattern = /^\d{3} [^\r\n]*\r\n/m): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const match = pattern.exec(buffer);
      if (match) resolve(match[0].trim());
    });
    socket.once('error', reject);
  });
}

async function open(port: number): Promise<{ socket: Socket; greeting: string }> {
  const socket = connect({ host: '127.0.0.1', port });
  const greeting = await replyMatching(socket);
  return { socket, greeting };
}

/** A fresh message to the one known address. */
function send(port: number): Promise<SmtpOutcome> {
  return submitMessage(port, [address], `Subject: ${randomUUID()}\r\n\r\nhello\r\n`);
}

describe(SmtpListener.name, () => {
  let producer: EventProducer;
  let handler: SmtpSessionHandler;
  let listener: SmtpListener;
  let port: number;

  beforeAll(async () => {
    // The message path is real down to Kafka's client, but the broker it points at does not exist.
    const kafka = createKafka({
      brokers: [`127.0.0.1:${await deadPort()}`],
      clientId: 'ingest-test',
      logger,
    });
    producer = new EventProducer(kafka, logger);
    const directory = new RecipientDirectory(['example.com']);
    directory.applyChange(
      {
        accountId: randomUUID(),
        revision: 1,
        address,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
      undefined,
    );
    const metrics = new IngestMetrics(new Registry());
    handler = new SmtpSessionHandler(
      directory,
      new AcceptMessage(new KafkaMailArrivedPublisher(producer), metrics, { publishTimeoutMs: 1500 }),
      metrics,
      logger,
      { maxMessageBytes: 64 * 1024, maxRecipients: 10, maxClients: 2 },
    );
    listener = new SmtpListener(
      handler,
      {
        host: '127.0.0.1',
        port: 0,
        hostname: 'mx.ingest.test',
        maxMessageBytes: 64 * 1024,
        socketTimeoutMs: 10_000,
        drainTimeoutMs: 2000,
      },
      logger,
    );
    ({ port } = await listener.start());
  });

  afterAll(async () => {
    await listener?.stop();
    await producer?.disconnect();
  });

  it('answers 451 4.3.0 when Kafka cannot be reached, and again for the retry', async () => {
    const first = await send(port);
    const retry = await send(port);

    expect(first).toEqual({ code: 451, response: '451 4.3.0 Temporary failure, please retry' });
    expect(retry.code).toBe(451);
  });

  it('refuses connections past the limit with 421 4.7.0', async () => {
    const held = [await open(port), await open(port)];
    try {
      expect(held.map((connection) => connection.greeting)).toEqual([
        expect.stringMatching(/^220 mx\.ingest\.test ESMTP/),
        expect.stringMatching(/^220 mx\.ingest\.test ESMTP/),
      ]);

      const third = await open(port);
      third.socket.destroy();

      expect(third.greeting).toBe('421 4.7.0 Too many connections');
    } finally {
      for (const connection of held) connection.socket.destroy();
    }
  });

  it('survives garbage, binary input and a client that leaves in the middle of DATA', async () => {
    const garbage = await open(port);
    garbage.socket.write(
      Buffer.concat([
        Buffer.from('\x00\xff\xfe NOT SMTP\r\n'),
        Buffer.alloc(20_000, 0x41),
        Buffer.from('\r\n'),
      ]),
    );
    garbage.socket.destroy();

    const leaver = await open(port);
    leaver.socket.write(
      `EHLO leaver.test\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<${address}>\r\nDATA\r\nSubject: half\r\n`,
    );
    await replyMatching(leaver.socket, /^354 /m);
    leaver.socket.destroy();

    await expect.poll(() => handler.transactionsInFlight).toBe(0);
    const after = await open(port);
    after.socket.destroy();
    expect(after.greeting).toMatch(/^220 /);
  });
});
