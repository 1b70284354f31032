import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  code: number;
  /** The whole reply as received, codes included, trimmed. */
  text: string;
  /** The reply's text without its codes, one line per line of the reply. */
  message: string;
}

/**
 * A plain SMTP client that reports every reply, for callers that must see exactly what the
 * server answered at each step: the tests (RCPT refusals, SIZE, temporary failures) and the
 * self-test, which times the final 250 the way a sending server would see it.
 */
export class SmtpSession {
  private buffer = '';
  private readonly pending: Array<{ resolve: (reply: SmtpReply) => void; reject: (error: Error) => void }> =
    [];
  private readonly replies: SmtpReply[] = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.drain();
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the SMTP server closed the connection')));
  }

  /** Connects and reads the greeting, both within `timeoutMs`. */
  static async open(
    host: string,
    port: number,
    timeoutMs = 30_000,
  ): Promise<{ session: SmtpSession; greeting: SmtpReply }> {
    const socket = connect({ host, port });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no SMTP greeting from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const session = new SmtpSession(socket);
      return { session, greeting: await session.reply(timeoutMs) };
    } finally {
      clearTimeout(timer);
    }
  }

  reply(timeoutMs = 30_000): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (reply: SmtpReply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.pending.splice(this.pending.indexOf(waiter), 1);
        reject(new Error(`no SMTP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.push(waiter);
    });
  }

  command(line: string, timeoutMs?: number): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** Sends DATA and the message (dot-stuffed), returning the reply to the end of data. */
  async data(message: string | Buffer, timeoutMs = 60_000): Promise<SmtpReply> {
    const start = await this.command('DATA', timeoutMs);
    if (start.code !== 354) return start;
    return this.messageBody(message, timeoutMs);
  }

  /** After a 354: the message, dot-stuffed, and the line that ends it. */
  messageBody(message: string | Buffer, timeoutMs = 60_000): Promise<SmtpReply> {
    const text = (Buffer.isBuffer(message) ? message.toString('latin1') : message).replace(/\r?\n/g, '\r\n');
    const stuffed = text.replace(/^\./gm, '..');
    this.socket.write(Buffer.from(stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`, 'latin1'));
    this.socket.write('.\r\n');
    return this.reply(timeoutMs);
  }

  /** Says QUIT, waits for the answer if one comes, and closes. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      // the server may already have closed
    }
    this.socket.destroy();
  }

  /** Says QUIT and closes without waiting for the answer. */
  close(): void {
    this.socket.end('QUIT\r\n');
    this.socket.destroySoon();
  }

  private drain(): void {
    for (;;) {
      // A reply ends with a line whose code is followed by a space (RFC 5321 §4.2.1).
      const match = /^(\d{3})(?: [^\r\n]*)?\r\n/m.exec(this.buffer);
      if (!match) return;
      const end = match.index + match[0].length;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      const reply = {
        code: Number(match[1]),
        text: block.trim(),
        message: block
          .trimEnd()
          .split('\r\n')
          .map((line) => line.slice(4))
          .join('\n'),
      };
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(reply);
      else this.replies.push(reply);
    }
  }
}

/** One whole transaction; returns each step's reply so a caller can tell where it stopped. */
export async function sendMail(
  host: string,
  port: number,
  mail: { from: string; to: string[]; message: string | Buffer },
): Promise<{ greeting: SmtpReply; mailFrom: SmtpReply; rcpt: SmtpReply[]; data?: SmtpReply }> {
  const { session, greeting } = await SmtpSession.open(host, port);
  try {
    await session.command('EHLO tests.pushmail.local');
    const mailFrom = await session.command(`MAIL FROM:<${mail.from}>`);
    const rcpt: SmtpReply[] = [];
    for (const to of mail.to) rcpt.push(await session.command(`RCPT TO:<${to}>`));
    if (mailFrom.code !== 250 || !rcpt.some((reply) => reply.code === 250))
      return { greeting, mailFrom, rcpt };
    const data = await session.data(mail.message);
    return { greeting, mailFrom, rcpt, data };
  } finally {
    await session.quit();
  }
}

/** A plain-text message with the headers a receiving server expects. */
export function buildMessage(fields: {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId?: string;
}): string {
  return [
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    `Subject: ${fields.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${fields.messageId ?? `<${Date.now()}.${Math.random().toString(36).slice(2)}@tests.pushmail.local>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.text,
    '',
  ].join('\r\n');
}

/** One plain-text message from `from` to `to`, as `sendMail` hands it over. */
export function sendPlainMail(
  smtp: { host: string; port: number },
  fields: { from: string; to: string; subject: string; text: string },
): ReturnType<typeof sendMail> {
  return sendMail(smtp.host, smtp.port, {
    from: fields.from,
    to: [fields.to],
    message: buildMessage(fields),
  });
}
