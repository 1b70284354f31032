import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { mailArrivedV1, type MailArrivedV1 } from '@pushmail/contracts';
import { pino } from 'pino';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import type { MailArrivedPublisher } from '../usecases/accept-message/mail-arrived-publisher.js';
import { testSessionHandler } from '../testing/session-handler.js';
import { SmtpSessionHandler, type SmtpSessionLimits } from './smtp-session.handler.js';

class FakePublisher implements MailArrivedPublisher {
  readonly published: MailArrivedV1[] = [];
  behaviour: 'ok' | 'fail' | 'hang' = 'ok';
  private release: (() => void) | undefined;

  publish(events: readonly MailArrivedV1[]): Promise<void> {
    if (this.behaviour === 'fail') return Promise.reject(new Error('broker unreachable'));
    if (this.behaviour === 'hang') {
      return new Promise((resolve) => {
        this.release = () => {
          this.published.push(...events);
          resolve();
        };
      });
    }
    this.published.push(...events);
    return Promise.resolve();
  }

  finishHanging(): void {
    this.release?.();
  }
}

interface Reply {
  code: number;
  text: string;
}

const alice = { accountId: randomUUID(), address: 'alice@example.com' };
const bob = { accountId: randomUUID(), address: 'bob@example.com' };

function setup(limits: Partial<SmtpSessionLimits> = {}, publishTimeoutMs = 1000) {
  const publisher = new FakePublisher();
  const { handler, registry, directory } = testSessionHandler({
    domains: ['example.com'],
    accounts: [alice, bob],
    postmasterAccount: alice.address,
    publisher,
    publishTimeoutMs,
    hostname: 'mx.example.com',
    limits: {
      maxMessageBytes: 1000,
      maxRecipients: 3,
      maxClients: 2,
      maxClientsPerAddress: 2,
      errorDelayMs: 0,
      ...limits,
    },
    logger: pino({ level: 'silent' }),
  });
  return { handler, publisher, registry, directory };
}

function newSession(): SMTPServerSession {
  return {
    id: 'sess01',
    remoteAddress: '192.0.2.10',
    hostNameAppearsAs: 'mx.elsewhere.example',
    envelope: { mailFrom: { address: 'sender@elsewhere.example', args: false }, rcptTo: [] },
  } as unknown as SMTPServerSession;
}

function asReply(error: Error | null | undefined, okText = 'Accepted'): Reply {
  if (!error) return { code: 250, text: okText };
  return { code: (error as Error & { responseCode: number }).responseCode, text: error.message };
}

/** Like smtp-server: an accepted recipient joins the envelope once, compared without case. */
function rcpt(handler: SmtpSessionHandler, session: SMTPServerSession, address: string): Reply {
  let reply: Reply | undefined;
  handler.onRcptTo({ address, args: false }, session, (error) => {
    reply = asReply(error);
    const known = session.envelope.rcptTo.some(
      (entry) => entry.address.toLowerCase() === address.toLowerCase(),
    );
    if (!error && !known) session.envelope.rcptTo.push({ address, args: false });
  });
  return reply!;
}

function data(
  handler: SmtpSessionHandler,
  session: SMTPServerSession,
  body: Buffer,
  sizeExceeded = false,
): { stream: SMTPServerDataStream; reply: Promise<Reply> } {
  const stream = Object.assign(new PassThrough(), { byteLength: body.length, sizeExceeded });
  const reply = new Promise<Reply>((resolve) =>
    handler.onData(stream, session, (error, message) => resolve(asReply(error, message))),
  );
  stream.end(body);
  return { stream, reply };
}

describe(SmtpSessionHandler.name, () => {
  it('accepts a connection within the limit and refuses one past it with 421 4.7.0', () => {
    const { handler } = setup({ maxClients: 2 });
    const outcomes: (Reply | 'greeted')[] = [];
    handler.onConnect(newSession(), 2, 1, (error) => outcomes.push(error ? asReply(error) : 'greeted'));
    handler.onConnect(newSession(), 3, 1, (error) => outcomes.push(error ? asReply(error) : 'greeted'));

    expect(outcomes).toEqual(['greeted', { code: 421, text: '4.7.0 Too many connections' }]);
  });

  it('refuses a connection past the per-address limit with 421 4.7.0', () => {
    const { handler } = setup({ maxClients: 100, maxClientsPerAddress: 3 });
    const outcomes: (Reply | 'greeted')[] = [];
    handler.onConnect(newSession(), 10, 3, (error) => outcomes.push(error ? asReply(error) : 'greeted'));
    handler.onConnect(newSession(), 10, 4, (error) => outcomes.push(error ? asReply(error) : 'greeted'));

    expect(outcomes).toEqual([
      'greeted',
      { code: 421, text: '4.7.0 Too many connections from your address, try again later' },
    ]);
  });

  it('refuses MAIL FROM parameters it does not advertise with 555 5.5.4', () => {
    const { handler } = setup();
    const answer = (args: Record<string, string | boolean> | false): Reply => {
      let reply: Reply | undefined;
      handler.onMailFrom({ address: 'a@elsewhere.example', args } as never, newSession(), (error) => {
        reply = asReply(error);
      });
      return reply!;
    };

    expect(answer({ SIZE: '10', BODY: '8BITMIME', SMTPUTF8: true }).code).toBe(250);
    expect(answer(false).code).toBe(250);
    expect(answer({ XFOO: 'bar' })).toEqual({ code: 555, text: '5.5.4 Unsupported parameter(s): XFOO' });
    expect(answer({ RET: 'FULL' }).code).toBe(555);
  });

  it('refuses a UTF-8 sender or recipient without SMTPUTF8 with 553 5.6.7, and takes it with', () => {
    const { handler } = setup();
    const session = newSession();
    let reply: Reply | undefined;
    handler.onMailFrom({ address: 'jöran@elsewhere.example', args: false }, session, (error) => {
      reply = asReply(error);
    });
    expect(reply).toEqual({ code: 553, text: '5.6.7 Non-ASCII address requires the SMTPUTF8 parameter' });
    expect(rcpt(handler, session, 'ålice@example.com').code).toBe(553);

    session.envelope.smtpUtf8 = true;
    handler.onMailFrom({ address: 'jöran@elsewhere.example', args: { SMTPUTF8: true } }, session, (error) => {
      reply = asReply(error);
    });
    expect(reply!.code).toBe(250);
    expect(rcpt(handler, session, 'ålice@example.com').code).toBe(550);
  });

  it('accepts postmaster@ of a hosted domain and delivers it to the postmaster account', async () => {
    const { handler, publisher } = setup();
    const session = newSession();

    expect(rcpt(handler, session, 'PostMaster@example.com').code).toBe(250);
    expect(rcpt(handler, session, 'postmaster').code).toBe(250);
    expect((await data(handler, session, Buffer.from('Subject: abuse\r\n\r\nreport\r\n')).reply).code).toBe(
      250,
    );

    const bare = newSession();
    expect(rcpt(handler, bare, 'postmaster').code).toBe(250);
    expect((await data(handler, bare, Buffer.from('Subject: bare\r\n\r\nreport\r\n')).reply).code).toBe(250);

    expect(publisher.published.map((event) => [event.accountId, event.envelope.rcptTo])).toEqual([
      [alice.accountId, 'postmaster@example.com'],
      [alice.accountId, 'postmaster@example.com'],
    ]);
    for (const event of publisher.published) expect(mailArrivedV1.safeParse(event).success).toBe(true);
  });

  it('defers mail to the postmaster with 451 4.3.0 while no account takes it', () => {
    const { handler, directory } = setup();
    directory.applyChange(undefined, {
      ...alice,
      revision: 1,
      status: 'active',
      updatedAt: new Date().toISOString(),
    });

    expect(rcpt(handler, newSession(), 'postmaster@example.com')).toEqual({
      code: 451,
      text: '4.3.0 The postmaster mailbox is not set up yet, please retry',
    });
  });

  it('answers refused recipients ever more slowly within one session', async () => {
    const { handler } = setup({ errorDelayMs: 40 });
    const session = newSession();
    const timed = () =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        handler.onRcptTo({ address: 'nobody@example.com', args: false }, session, () =>
          resolve(performance.now() - started),
        );
      });

    const first = await timed();
    await timed();
    const third = await timed();

    expect(first).toBeLessThan(40);
    expect(third).toBeGreaterThanOrEqual(75);
  });

  it('refuses a recipient under a domain it does not host as relaying', () => {
    const { handler } = setup();

    expect(rcpt(handler, newSession(), 'someone@elsewhere.example')).toEqual({
      code: 550,
      text: '5.7.1 Relay access denied',
    });
  });

  it('refuses an unknown user of a hosted domain with 550 5.1.1 naming the address', () => {
    const { handler } = setup();

    expect(rcpt(handler, newSession(), 'Nobody@Example.com')).toEqual({
      code: 550,
      text: '5.1.1 <Nobody@Example.com>: Recipient address rejected: no such user',
    });
  });

  it('accepts known recipients in any case and refuses one past the limit with 452 4.5.3', () => {
    const { handler } = setup({ maxRecipients: 2 });
    const session = newSession();

    expect(rcpt(handler, session, 'ALICE@example.com').code).toBe(250);
    expect(rcpt(handler, session, 'bob@example.com').code).toBe(250);
    // Naming an accepted recipient again adds nobody.
    expect(rcpt(handler, session, 'alice@example.com').code).toBe(250);
    expect(rcpt(handler, session, 'nobody@example.com')).toEqual({
      code: 452,
      text: '4.5.3 Too many recipients',
    });
    expect(rcpt(handler, newSession(), 'alice@example.com').code).toBe(250);
  });

  it('answers 250 with a queue id once the events are published, one per account', async () => {
    const { handler, publisher } = setup();
    const session = newSession();
    rcpt(handler, session, 'alice@example.com');
    rcpt(handler, session, 'bob@example.com');
    const raw = Buffer.from('Subject: hi\r\n\r\nhello\r\n');

    const reply = await data(handler, session, raw).reply;

    expect(reply.code).toBe(250);
    expect(reply.text).toMatch(/^2\.0\.0 Ok: queued as [0-9A-F]{16}$/);
    expect(publisher.published.map((event) => event.accountId).sort()).toEqual(
      [alice.accountId, bob.accountId].sort(),
    );
    const stored = Buffer.from(publisher.published[0]!.rawBase64, 'base64');
    expect(stored.subarray(stored.length - raw.length).equals(raw)).toBe(true);
    expect(stored.toString()).toMatch(
      /^Return-Path: <sender@elsewhere\.example>\r\nReceived: from mx\.elsewhere\.example /,
    );
    expect(publisher.published[0]!.smtp).toEqual({
      clientAddress: '192.0.2.10',
      heloName: 'mx.elsewhere.example',
      sessionId: 'sess01',
    });
  });

  it('answers 451 4.3.0 and promises nothing when publishing fails or times out', async () => {
    for (const behaviour of ['fail', 'hang'] as const) {
      const { handler, publisher } = setup({}, 30);
      publisher.behaviour = behaviour;
      const session = newSession();
      rcpt(handler, session, 'alice@example.com');

      const reply = await data(handler, session, Buffer.from('Subject: hi\r\n\r\nhello\r\n')).reply;

      expect(reply).toEqual({ code: 451, text: '4.3.0 Temporary failure, please retry' });
    }
  });

  it('answers 552 5.3.4 to a message over the size limit without publishing it', async () => {
    const { handler, publisher } = setup({ maxMessageBytes: 100 });
    const session = newSession();
    rcpt(handler, session, 'alice@example.com');

    const reply = await data(handler, session, Buffer.alloc(101, 'x'), true).reply;

    expect(reply).toEqual({ code: 552, text: '5.3.4 Message size exceeds fixed maximum message size' });
    expect(publisher.published).toHaveLength(0);
  });

  it('counts sessions and replies by code', async () => {
    const { handler, registry } = setup();
    handler.onConnect(newSession(), 1, 1, () => undefined);
    const session = newSession();
    rcpt(handler, session, 'nobody@example.com');
    rcpt(handler, session, 'alice@example.com');
    await data(handler, session, Buffer.from('x\r\n')).reply;

    const sessions = await registry.getSingleMetric('pushmail_ingest_smtp_sessions_total')!.get();
    const replies = await registry.getSingleMetric('pushmail_ingest_smtp_replies_total')!.get();
    const byCode = Object.fromEntries(replies.values.map((value) => [value.labels['code'], value.value]));
    expect(sessions.values[0]!.value).toBe(1);
    expect(byCode).toEqual({ '220': 1, '550': 1, '250': 2 });
  });

  it('lets drain wait for a message still being published', async () => {
    const { handler, publisher } = setup({}, 5000);
    publisher.behaviour = 'hang';
    const session = newSession();
    rcpt(handler, session, 'alice@example.com');
    const { reply } = data(handler, session, Buffer.from('x\r\n'));

    await expect(handler.drain(20)).resolves.toBe(false);
    const drained = handler.drain(5000);
    publisher.finishHanging();

    await expect(drained).resolves.toBe(true);
    expect((await reply).code).toBe(250);
    expect(handler.transactionsInFlight).toBe(0);
  });
});
