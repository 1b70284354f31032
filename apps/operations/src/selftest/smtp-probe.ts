import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * The smallest SMTP client that can hand a message over: just enough for the self-test to time
 * the final 250 the way a sending server would see it.
 */
export class SmtpProbe {
  private buffer = '';
  private waiting: ((reply: SmtpReply) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.drain();
    });
    socket.on('error', (error) => {
      this.failure = error;
    });
  }

  static open(
    host: string,
    port: number,
    timeoutMs: number,
  ): Promise<{ probe: SmtpProbe; greeting: SmtpReply }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no SMTP greeting from ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      const probe = new SmtpProbe(socket);
      probe.next(timeoutMs).then(
        (greeting) => {
          clearTimeout(timer);
          resolve({ probe, greeting });
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  command(line: string, timeoutMs: number): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.next(timeoutMs);
  }

  /** Sends the message with dot-stuffing and the terminating line. */
  data(message: string, timeoutMs: number): Promise<SmtpReply> {
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(`${body}\r\n.\r\n`);
    return this.next(timeoutMs);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
    this.socket.destroySoon();
  }

  private next(timeoutMs: number): Promise<SmtpReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no SMTP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.drain();
    });
  }

  private drain(): void {
    if (!this.waiting) return;
    // A reply ends with a line whose code is followed by a space (RFC 5321 §4.2.1).
    const lines = this.buffer.split('\r\n');
    const last = lines.findIndex((line) => /^\d{3}( |$)/.test(line));
    if (last < 0) return;
    const replyLines = lines.slice(0, last + 1);
    this.buffer = lines.slice(last + 1).join('\r\n');
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting({
      code: Number(replyLines[last]?.slice(0, 3)),
      text: replyLines.map((line) => line.slice(4)).join('\n'),
    });
  }
}
