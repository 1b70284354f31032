import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, expectEventually, sendMail, SmtpSession, waitForRecipient } from '@pushmail/testing';
import { useSuitePlatform } from './support/e2e-platform.js';

const MAX_MESSAGE_BYTES = 512 * 1024;
const MAX_RECIPIENTS = 3;
const MAX_CLIENTS = 12;
const SOCKET_TIMEOUT_MS = 2500;
const DATA_TIMEOUT_MS = 6000;
const MAX_ERRORS = 20;
const POSTMASTER_ACCOUNT = `postmaster-desk-${randomUUID().slice(0, 8)}@example.com`;

/** A socket that speaks raw bytes, for clients a well-behaved library would never imitate. */
class RawClient {
  private text = '';
  private closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Complete replies received so far (a multi-line reply counts once). */
  replies(): string[] {
    return this.text.split('\r\n').filter((line) => /^\d{3} /.test(line));
  }

  async waitForReplies(count: number, timeoutMs = 15_000): Promise<string[]> {
    return expectEventually(
      () => {
        const replies = this.replies();
        expect(replies.length).toBeGreaterThanOrEqual(count);
        return replies;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  waitClosed(timeoutMs: number): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<void>((_resolve, reject) =>
        setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('SMTP ingest under hostile clients', () => {
  const suite = useSuitePlatform('hostile-smtp', {
    serviceEnv: {
      ingest: {
        SMTP_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
        SMTP_MAX_RECIPIENTS: String(MAX_RECIPIENTS),
        SMTP_MAX_CLIENTS: String(MAX_CLIENTS),
        SMTP_SOCKET_TIMEOUT_MS: String(SOCKET_TIMEOUT_MS),
        SMTP_DATA_TIMEOUT_MS: String(DATA_TIMEOUT_MS),
        SMTP_MAX_ERRORS: String(MAX_ERRORS),
        SMTP_ERROR_DELAY_MS: '20',
        POSTMASTER_ACCOUNT,
      },
    },
  });
  let db: pg.Client;
  let address: string;
  let accountId: string;
  /** Marker text of every message answered 250 for `accountId`: each must be stored. */
  const accepted: string[] = [];

  beforeAll(async () => {
    db = new pg.Client({ connectionString: suite.platform.databaseUrl });
    await db.connect();
    ({ address, accountId } = await newAccount());
  });

  afterAll(async () => {
    await db?.end();
  });

  async function newAccount(): Promise<{ address: string; accountId: string }> {
    const newAddress = `hostile-${randomUUID().slice(0, 8)}@example.com`;
    const { accountId: id } = await suite.registry.createAccount(newAddress, 'a long enough password');
    await waitForRecipient(suite.platform.smtp, newAddress);
    return { address: newAddress, accountId: id };
  }

  async function deliver(
    message: string | Buffer,
    marker: string,
    to = address,
  ): Promise<number | undefined> {
    const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'hostile@elsewhere.example',
      to: [to],
      message,
    });
    if (result.data?.code === 250 && to === address) accepted.push(marker);
    return result.data?.code;
  }

  /** The session still takes a plain message for the account; the mailbox must come to hold it. */
  async function expectTaken(
    session: SmtpSession,
    mail: { from: string; subject: string; text: string },
  ): Promise<void> {
    expect((await session.data(buildMessage({ ...mail, to: address }))).code).toBe(250);
    accepted.push(mail.subject);
  }

  async function expectStillServing(): Promise<void> {
    const marker = `alive-${randomUUID()}`;
    const code = await deliver(
      buildMessage({ from: 'ok@elsewhere.example', to: address, subject: marker, text: marker }),
      marker,
    );
    expect(code).toBe(250);
    const ingest = suite.platform.processes.get('ingest')!;
    expect(ingest.exitCode).toBeNull();
    expect(ingest.signalCode).toBeNull();
    expect(
      (await fetch(`http://${suite.platform.host}:${suite.platform.ports.ingest}/health/ready`)).status,
    ).toBe(200);
  }

  it('accepts and keeps malformed and truncated MIME', async () => {
    const truncated = [
      `From: a@elsewhere.example`,
      `To: ${address}`,
      `Subject: truncated ${randomUUID()}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="never-closed"',
      '',
      '--never-closed',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!! not base64 at all ====',
      '--never-closed',
      'Content-Type: message/rfc822',
      '',
      'From: nested',
      'Subject: cut off in the midd',
    ].join('\r\n');
    expect(await deliver(truncated, 'truncated')).toBe(250);
    const noHeaders = `just a body, no header section at all ${randomUUID()}\r\n`;
    expect(await deliver(noHeaders, 'no-headers')).toBe(250);
    const brokenHeaders = `: empty name\r\nno colon here\r\n\tcontinuation without a field\r\nSubject: =?utf-8?B?!!!?=\r\n\r\nbody ${randomUUID()}\r\n`;
    expect(await deliver(brokenHeaders, 'broken-headers')).toBe(250);
    await expectStillServing();
  });

  it('accepts and keeps NUL and 8-bit bytes in header fields', async () => {
    const subject = Buffer.concat([
      Buffer.from('Subject: nul'),
      Buffer.from([0x00, 0x01, 0xff, 0xfe, 0xc3, 0x28, 0x80]),
      Buffer.from(` ${randomUUID()}`),
    ]);
    const message = Buffer.concat([
      Buffer.from(`From: Ren\xe9 <r@elsewhere.example>\r\nTo: ${address}\r\n`, 'latin1'),
      subject,
      Buffer.from('\r\nX-Binary: '),
      Buffer.from([0x00, 0x00, 0x7f, 0x1b, 0x9b]),
      Buffer.from('\r\n\r\nbody with a NUL \x00 and 8-bit \xe9\xff\r\n', 'latin1'),
    ]);
    expect(await deliver(message, 'nul-and-8bit')).toBe(250);
    await expectStillServing();
  });

  it('accepts and keeps lines far over the 998-character limit and thousands of header fields', async () => {
    const longLine = buildMessage({
      from: 'a@elsewhere.example',
      to: address,
      subject: `long ${randomUUID()}`,
      text: 'x'.repeat(200_000),
    });
    expect(await deliver(longLine, 'long-line')).toBe(250);
    const headers = Array.from({ length: 5000 }, (_, index) => `X-Header-${index}: value ${index}`).join(
      '\r\n',
    );
    const manyHeaders = `${headers}\r\n${buildMessage({ from: 'a@elsewhere.example', to: address, subject: `many headers ${randomUUID()}`, text: 'ok' })}`;
    expect(await deliver(manyHeaders, 'many-headers')).toBe(250);
    await expectStillServing();
  });

  it('answers 552 to a message that grows past the limit during DATA without a SIZE declaration, in the same session as a good one', async () => {
    const { session } = await SmtpSession.open(suite.platform.smtp.host, suite.platform.smtp.port);
    try {
      expect((await session.command('EHLO big.example')).code).toBe(250);
      expect((await session.command('MAIL FROM:<big@elsewhere.example>')).code).toBe(250);
      expect((await session.command(`RCPT TO:<${address}>`)).code).toBe(250);
      const big = buildMessage({
        from: 'big@elsewhere.example',
        to: address,
        subject: 'too big',
        text: 'y'.repeat(MAX_MESSAGE_BYTES + 10_000),
      });
      const reply = await session.data(big);
      expect(reply.code).toBe(552);
      const marker = `after-552-${randomUUID()}`;
      expect((await session.command('MAIL FROM:<big@elsewhere.example>')).code).toBe(250);
      expect((await session.command(`RCPT TO:<${address}>`)).code).toBe(250);
      await expectTaken(session, { from: 'big@elsewhere.example', subject: marker, text: 'fits' });
    } finally {
      await session.quit();
    }
    await expectStillServing();
  });

  it('answers 452 past the recipient limit and 550 to unknown recipients, and delivers to the ones accepted', async () => {
    const others = [await newAccount(), await newAccount(), await newAccount()];
    const { session } = await SmtpSession.open(suite.platform.smtp.host, suite.platform.smtp.port);
    const marker = `recipients-${randomUUID()}`;
    try {
      await session.command('EHLO many.example');
      expect((await session.command('MAIL FROM:<many@elsewhere.example>')).code).toBe(250);
      expect((await session.command(`RCPT TO:<nobody-${randomUUID().slice(0, 6)}@example.com>`)).code).toBe(
        550,
      );
      expect((await session.command('RCPT TO:<someone@not-our-domain.example>')).code).toBe(550);
      for (const other of others)
        expect((await session.command(`RCPT TO:<${other.address}>`)).code).toBe(250);
      const refused = await session.command(`RCPT TO:<${address}>`);
      expect(refused.code).toBe(452);
      expect(refused.text).toMatch(/4\.5\.3/);
      expect(
        (
          await session.data(
            buildMessage({
              from: 'many@elsewhere.example',
              to: others[0]!.address,
              subject: marker,
              text: 'to three',
            }),
          )
        ).code,
      ).toBe(250);
    } finally {
      await session.quit();
    }
    await expectEventually(
      async () => {
        const { rows } = await db.query<{ account_id: string }>(
          'SELECT account_id FROM mailbox.emails WHERE subject = $1',
          [marker],
        );
        expect(rows.map((row) => row.account_id).sort()).toEqual(
          others.map((other) => other.accountId).sort(),
        );
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });

  it('answers commands out of order with 503 and keeps the session usable', async () => {
    const { session } = await SmtpSession.open(suite.platform.smtp.host, suite.platform.smtp.port);
    try {
      expect((await session.command('DATA')).code).toBe(503);
      await session.command('EHLO order.example');
      expect((await session.command(`RCPT TO:<${address}>`)).code).toBe(503);
      expect((await session.command('DATA')).code).toBe(503);
      expect((await session.command('MAIL FROM:<order@elsewhere.example>')).code).toBe(250);
      expect((await session.command('MAIL FROM:<order@elsewhere.example>')).code).toBe(503);
      expect((await session.command('DATA')).code).toBe(503);
      expect((await session.command(`RCPT TO:<${address}>`)).code).toBe(250);
      const marker = `in-order-${randomUUID()}`;
      await expectTaken(session, { from: 'order@elsewhere.example', subject: marker, text: 'ok' });
    } finally {
      await session.quit();
    }
    await expectStillServing();
  });

  it('answers every command of a pipelined flood in order, then still takes mail on that session', async () => {
    const client = await RawClient.open(suite.platform.smtp.port);
    try {
      await client.waitForReplies(1);
      const flood = 3000;
      client.write(`EHLO flood.example\r\n${'NOOP\r\n'.repeat(flood)}`);
      const replies = await client.waitForReplies(2 + flood, 30_000);
      expect(replies.slice(2, 2 + flood).every((reply) => reply.startsWith('250 '))).toBe(true);
      const marker = `after-flood-${randomUUID()}`;
      client.write(`MAIL FROM:<flood@elsewhere.example>\r\nRCPT TO:<${address}>\r\nDATA\r\n`);
      const beforeData = await client.waitForReplies(2 + flood + 3);
      expect(beforeData.slice(-3).map((reply) => reply.slice(0, 3))).toEqual(['250', '250', '354']);
      client.write(
        `${buildMessage({ from: 'flood@elsewhere.example', to: address, subject: marker, text: 'ok' })}\r\n.\r\n`,
      );
      const afterData = await client.waitForReplies(2 + flood + 4);
      expect(afterData.at(-1)).toMatch(/^250 /);
      accepted.push(marker);
      client.write('QUIT\r\n');
    } finally {
      client.destroy();
    }
    await expectStillServing();
  });

  it('cuts off a client sending binary garbage instead of commands', async () => {
    const client = await RawClient.open(suite.platform.smtp.port);
    try {
      await client.waitForReplies(1);
      for (let line = 0; line < 30 && !client.isClosed; line += 1) {
        client.write(
          Buffer.concat([Buffer.from([0x00, 0xff, 0x16, 0x03, 0x01]), Buffer.from(`garbage ${line}\r\n`)]),
        );
      }
      await client.waitClosed(10_000);
      expect(
        client
          .replies()
          .slice(1)
          .every((reply) => /^[45]\d\d /.test(reply)),
      ).toBe(true);
    } finally {
      client.destroy();
    }
    await expectStillServing();
  });

  it('times out a client that stalls in the middle of DATA, keeping nothing of it', async () => {
    const client = await RawClient.open(suite.platform.smtp.port);
    const marker = `stalled-${randomUUID()}`;
    try {
      await client.waitForReplies(1);
      client.write(`EHLO stall.example\r\nMAIL FROM:<stall@elsewhere.example>\r\nRCPT TO:<${address}>\r\n`);
      await client.waitForReplies(4);
      client.write('DATA\r\n');
      await client.waitForReplies(5);
      client.write(`From: stall@elsewhere.example\r\nSubject: ${marker}\r\n\r\nhalf a messa`);
      // Meanwhile another client is served normally.
      await expectStillServing();
      await client.waitClosed(SOCKET_TIMEOUT_MS * 4);
    } finally {
      client.destroy();
    }
    const { rows } = await db.query('SELECT 1 FROM mailbox.emails WHERE subject = $1', [marker]);
    expect(rows).toHaveLength(0);
    await expectStillServing();
  });

  it(`refuses connections past SMTP_MAX_CLIENTS (${MAX_CLIENTS}) with 421 and serves again once they close`, async () => {
    const clients = await Promise.all(
      Array.from({ length: MAX_CLIENTS + 10 }, () => RawClient.open(suite.platform.smtp.port)),
    );
    try {
      const greetings = await Promise.all(
        clients.map(async (client) => (await client.waitForReplies(1))[0]!),
      );
      const refused = greetings.filter((greeting) => greeting.startsWith('421 '));
      const welcomed = greetings.filter((greeting) => greeting.startsWith('220 '));
      expect(refused.length).toBeGreaterThanOrEqual(10);
      expect(welcomed.length).toBeLessThanOrEqual(MAX_CLIENTS);
      expect(welcomed.length + refused.length).toBe(clients.length);
      expect(refused[0]).toMatch(/4\.7\.0/);
    } finally {
      for (const client of clients) client.destroy();
    }
    await expectEventually(() => expectStillServing(), { timeoutMs: 10_000, intervalMs: 200 });
  });

  it('closes with 421 4.4.2 a DATA trickled one byte at a time past its total time, storing nothing of it', async () => {
    const client = await RawClient.open(suite.platform.smtp.port);
    const marker = `trickled-${randomUUID()}`;
    try {
      await client.waitForReplies(1);
      client.write(
        `EHLO drip.example\r\nMAIL FROM:<drip@elsewhere.example>\r\nRCPT TO:<${address}>\r\nDATA\r\n`,
      );
      await client.waitForReplies(5);
      const body = `From: drip@elsewhere.example\r\nSubject: ${marker}\r\n\r\n${'d'.repeat(400)}\r\n.\r\n`;
      // Each byte well within the idle timeout: only the total limit can end this.
      for (const byte of body) {
        if (client.isClosed) break;
        client.write(byte);
        await new Promise((resolve) => setTimeout(resolve, SOCKET_TIMEOUT_MS / 10));
      }
      await client.waitClosed(DATA_TIMEOUT_MS * 2);
      expect(client.replies().at(-1)).toMatch(/^421 4\.4\.2 /);
    } finally {
      client.destroy();
    }
    const { rows } = await db.query('SELECT 1 FROM mailbox.emails WHERE subject = $1', [marker]);
    expect(rows).toHaveLength(0);
    await expectStillServing();
  });

  it(`closes with 421 4.7.0 a session that guesses recipients past its error budget (${MAX_ERRORS})`, async () => {
    const client = await RawClient.open(suite.platform.smtp.port);
    try {
      await client.waitForReplies(1);
      client.write('EHLO guesser.example\r\nMAIL FROM:<guess@elsewhere.example>\r\n');
      for (let index = 0; index < MAX_ERRORS + 10; index += 1) {
        client.write(`RCPT TO:<guess-${index}-${randomUUID().slice(0, 6)}@example.com>\r\n`);
      }
      await client.waitClosed(30_000);
      const replies = client.replies();
      expect(replies.filter((reply) => reply.startsWith('550 '))).toHaveLength(MAX_ERRORS);
      expect(replies.at(-1)).toMatch(/^421 4\.7\.0 /);
    } finally {
      client.destroy();
    }
    await expectStillServing();
  });

  it('answers 555 to unknown MAIL FROM parameters and 553 5.6.7 to a UTF-8 sender without SMTPUTF8', async () => {
    const { session } = await SmtpSession.open(suite.platform.smtp.host, suite.platform.smtp.port);
    try {
      const ehlo = await session.command('EHLO params.example');
      expect(ehlo.message).toContain('SMTPUTF8');
      expect((await session.command('MAIL FROM:<p@elsewhere.example> X-UNKNOWN=1')).text).toMatch(
        /^555 5\.5\.4 /,
      );
      expect((await session.command('MAIL FROM:<pär@elsewhere.example>')).text).toMatch(/^553 5\.6\.7 /);
      expect((await session.command('MAIL FROM:<pär@elsewhere.example> SMTPUTF8')).code).toBe(250);
      expect((await session.command(`RCPT TO:<${address}>`)).code).toBe(250);
      const marker = `utf8-sender-${randomUUID()}`;
      await expectTaken(session, { from: 'pär@elsewhere.example', subject: marker, text: 'ok' });
    } finally {
      await session.quit();
    }
  });

  it('accepts postmaster@ of a hosted domain and stores it for the postmaster account', async () => {
    const { accountId: postmasterId } = await suite.registry.createAccount(
      POSTMASTER_ACCOUNT,
      'a long enough password',
    );
    await waitForRecipient(suite.platform.smtp, POSTMASTER_ACCOUNT);
    const marker = `abuse-report-${randomUUID()}`;
    const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'reporter@elsewhere.example',
      to: ['PostMaster@example.com'],
      message: buildMessage({
        from: 'reporter@elsewhere.example',
        to: 'postmaster@example.com',
        subject: marker,
        text: 'hi',
      }),
    });
    expect(result.rcpt.map((reply) => reply.code)).toEqual([250]);
    expect(result.data?.code).toBe(250);

    const stored = await expectEventually(
      async () => {
        const { rows } = await db.query<{ account_id: string }>(
          'SELECT account_id FROM mailbox.emails WHERE subject = $1',
          [marker],
        );
        expect(rows).toHaveLength(1);
        return rows[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(stored.account_id).toBe(postmasterId);
  });

  it('stored every message it answered 250, exactly once', async () => {
    await expectEventually(
      async () => {
        const { rows } = await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM mailbox.emails WHERE account_id = $1',
          [accountId],
        );
        expect(Number(rows[0]!.n)).toBe(accepted.length);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const { rows: duplicates } = await db.query(
      'SELECT delivery_id FROM mailbox.emails GROUP BY account_id, delivery_id HAVING count(*) > 1',
    );
    expect(duplicates).toEqual([]);
    const { rows: subjects } = await db.query<{ subject: string | null }>(
      'SELECT subject FROM mailbox.emails WHERE account_id = $1',
      [accountId],
    );
    const stored = subjects.map((row) => row.subject ?? '');
    for (const marker of accepted.filter((item) => /-[0-9a-f]{8}-/.test(item)))
      expect(stored).toContain(marker);
  });
});
