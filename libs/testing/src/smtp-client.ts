import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * A plain SMTP client that reports every reply code, for tests that must see exactly what the
 * server answered at each step (RCPT refusals, SIZE, temporary failures).
 */
export class SmtpSession {
  private buffer = '';
  private pending: Array<(reply: SmtpReply) => void> = [];
  private replies: SmtpReply[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (;;) {
        const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(this.buffer);
        if (!match) break;
        const end = match.index + match[0].length;
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        const reply = { code: Number(match[1]), text: block.trim() };
        const waiter = this.pending.shift();
        if (waiter) waiter(reply);
        else this.replies.push(reply);
      }
    });
  }

  static async open(host: string, port: number): Promise<{ session: SmtpSession; greeting: SmtpReply }> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new SmtpSession(socket);
    return { session, greeting: await session.reply() };
  }

  reply(timeoutMs = 30_000): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SMTP reply in time')), timeoutMs);
      this.pending.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  async command(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Sends DATA and the message (dot-stuffed), returning the reply to the end of data. */
  async data(message: string | Buffer): Promise<SmtpReply> {
    const start = await this.command('DATA');
    if (start.code !== 354) return start;
    const text = (Buffer.isBuffer(message) ? message.toString('latin1') : message).replace(/\r?\n/g, '\r\n');
    const stuffed = text.replace(/^\./gm, '..');
    this.socket.write(Buffer.from(stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`, 'latin1'));
    this.socket.write('.\r\n');
    return this.reply(60_000);
  }

  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      // the server may already have closed
    }
    this.socket.destroy();
  }
}

/** One whole transaction; returns each step's reply so a test can assert where it stopped. */
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
