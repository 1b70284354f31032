import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import { type SmtpOutcome, submitMessage } from '@pushmail/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaMailArrivedPublisher } from '../usecases/accept-message/mail-arrived-publisher.js';
import { SmtpConnectionGuard } from './smtp-connection-guard.js';
import { startLoopbackListener } from '../testing/loopback-listener.js';
import { testSessionHandler } from '../testing/session-handler.js';
import { SmtpListener } from './smtp-listener.js';
import type { SmtpSessionHandler } from './smtp-session.handler.js';

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

/**
 * The SMTP session and listener on a real message path down to Kafka's client, which points at a
 * broker that does not exist; one address is known.
 */
async function startListener(limits: {
  maxClients: number;
  maxClientsPerAddress: number;
  socketTimeoutMs: number;
  guard: { commandTimeoutMs: number; dataTimeoutMs: number; maxErrors: number };
}): Promise<{ producer: EventProducer; handler: SmtpSessionHandler; listener: SmtpListener; port: number }> {
  const kafka = createKafka({ brokers: [`127.0.0.1:${await deadPort()}`], clientId: 'ingest-test', logger });
  const producer = new EventProducer(kafka, logger);
  const { handler } = testSessionHandler({
    domains: ['example.com'],
    accounts: [{ accountId: randomUUID(), address }],
    publisher: new KafkaMailArrivedPublisher(producer),
    publishTimeoutMs: 1500,
    limits: {
      maxMessageBytes: 64 * 1024,
      maxRecipients: 10,
      maxClients: limits.maxClients,
      maxClientsPerAddress: limits.maxClientsPerAddress,
      errorDelayMs: 0,
    },
    logger,
  });
  const { listener, port } = await startLoopbackListener(handler, logger, {
    socketTimeoutMs: limits.socketTimeoutMs,
    guard: limits.guard,
  });
  return { producer, handler, listener, port };
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
    ({ producer, handler, listener, port } = await startListener({
      maxClients: 2,
      maxClientsPerAddress: 2,
      socketTimeoutMs: 10_000,
      guard: { commandTimeoutMs: 60_000, dataTimeoutMs: 60_000, maxErrors: 100 },
    }));
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

/** Everything a raw client received, and whether the server closed the connection. */
class Transcript {
  text = '';
  closed = false;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async open(port: number): Promise<Transcript> {
    const transcript = new Transcript(connect({ host: '127.0.0.1', port }));
    await transcript.waitFor(/^220 /m);
    return transcript;
  }

  replies(): string[] {
    return this.text.split('\r\n').filter((line) => /^\d{3} /.test(line));
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    await expect.poll(() => this.text, { timeout: timeoutMs, interval: 20 }).toMatch(pattern);
  }
}

describe(SmtpConnectionGuard.name, () => {
  const settings = { commandTimeoutMs: 1000, dataTimeoutMs: 1500, maxErrors: 5 };
  let producer: EventProducer;
  let listener: SmtpListener;
  let port: number;
  const open: Transcript[] = [];

  async function client(): Promise<Transcript> {
    const transcript = await Transcript.open(port);
    open.push(transcript);
    return transcript;
  }

  /** Writes `text` one byte at a time every `everyMs`, until the server closes or the text ends. */
  async function trickle(transcript: Transcript, text: string, everyMs: number): Promise<void> {
    for (const byte of text) {
      if (transcript.closed) return;
      transcript.socket.write(byte);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  beforeAll(async () => {
    ({ producer, listener, port } = await startListener({
      maxClients: 100,
      maxClientsPerAddress: 3,
      // Far longer than the total limits: every byte below comes well within it.
      socketTimeoutMs: 30_000,
      guard: settings,
    }));
  });

  afterEach(() => {
    for (const transcript of open.splice(0)) transcript.socket.destroy();
  });

  afterAll(async () => {
    await listener?.stop();
    await producer?.disconnect();
  });

  it('closes with 421 4.4.2 a DATA that trickles past its total time, though no byte waits for the idle timeout', async () => {
    const transcript = await client();
    transcript.socket.write(
      `EHLO slow.test\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<${address}>\r\nDATA\r\n`,
    );
    await transcript.waitFor(/^354 /m);

    await trickle(transcript, `Subject: slow\r\n\r\n${'x'.repeat(200)}\r\n.\r\n`, 100);

    await transcript.waitFor(/^421 4\.4\.2 Message took too long/m);
    await expect.poll(() => transcript.closed, { timeout: 5000 }).toBe(true);
    expect(transcript.replies().filter((reply) => reply.startsWith('250 2.0.0'))).toEqual([]);
  });

  it('closes with 421 4.4.2 a command line that trickles past its total time', async () => {
    const transcript = await client();

    await trickle(transcript, `EHLO ${'s'.repeat(100)}.test\r\n`, 50);

    await transcript.waitFor(/^421 4\.4\.2 Command took too long/m);
    await expect.poll(() => transcript.closed, { timeout: 5000 }).toBe(true);
    expect(transcript.replies().some((reply) => reply.startsWith('250'))).toBe(false);
  });

  it('lets a session that sends each line at once live on past those limits', async () => {
    const transcript = await client();
    for (let round = 0; round < 4; round += 1) {
      transcript.socket.write('NOOP\r\n');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await transcript.waitFor(/(?:^250 [^\r\n]*\r\n[\s\S]*){4}/m);
    expect(transcript.closed).toBe(false);
  });

  it('closes a session with 421 4.7.0 once it has provoked as many errors as its budget', async () => {
    const transcript = await client();
    transcript.socket.write('EHLO noisy.test\r\nMAIL FROM:<a@elsewhere.example>\r\n');
    for (let index = 0; index < 3; index += 1)
      transcript.socket.write(`RCPT TO:<nobody${index}@example.com>\r\n`);
    transcript.socket.write('BOGUS\r\nRCPT TO:<someone@elsewhere.example>\r\n');
    transcript.socket.write(`RCPT TO:<${address}>\r\nRCPT TO:<more@example.com>\r\n`);

    await transcript.waitFor(/^421 4\.7\.0 Too many errors/m);
    await expect.poll(() => transcript.closed, { timeout: 5000 }).toBe(true);
    const codes = transcript.replies().map((reply) => reply.slice(0, 3));
    expect(codes.slice(-6)).toEqual(['550', '550', '550', '500', '550', '421']);
  });

  it('refuses a connection past the per-address limit with 421 4.7.0, and takes one again after one closes', async () => {
    const held = [await client(), await client(), await client()];

    const refused = new Transcript(connect({ host: '127.0.0.1', port }));
    open.push(refused);
    await refused.waitFor(/^421 4\.7\.0 Too many connections from your address/m);

    held[0]!.socket.destroy();
    await expect
      .poll(
        async () => {
          const again = new Transcript(connect({ host: '127.0.0.1', port }));
          open.push(again);
          await expect.poll(() => again.replies().length, { timeout: 5000 }).toBeGreaterThan(0);
          return again.replies()[0]!.slice(0, 3);
        },
        { timeout: 10_000 },
      )
      .toBe('220');
  });

  it('answers 555 5.5.4 to unknown MAIL FROM parameters and 553 5.6.7 to a UTF-8 sender without SMTPUTF8', async () => {
    const transcript = await client();
    transcript.socket.write('EHLO strict.test\r\n');
    await transcript.waitFor(/^250 /m);
    expect(transcript.text).toMatch(/^250-SMTPUTF8\r\n/m);

    transcript.socket.write('MAIL FROM:<a@elsewhere.example> XSECRET=1\r\n');
    await transcript.waitFor(/^555 5\.5\.4 /m);
    transcript.socket.write('MAIL FROM:<jöran@elsewhere.example>\r\n');
    await transcript.waitFor(/^553 5\.6\.7 /m);
    transcript.socket.write('MAIL FROM:<jöran@elsewhere.example> SMTPUTF8\r\n');
    await transcript.waitFor(/^250 Accepted/m);
  });
});
