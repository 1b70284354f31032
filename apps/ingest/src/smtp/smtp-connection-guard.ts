import type { Logger } from 'pino';
import type { SMTPServer, SMTPServerDataStream } from 'smtp-server';
import { SmtpReplies, type SmtpReplyError } from './smtp-replies.js';

export type SmtpConnection = SMTPServer['connections'] extends Set<infer Connection> ? Connection : never;

export interface SmtpGuardSettings {
  /** Total time from the first byte of a command line to its end. */
  commandTimeoutMs: number;
  /** Total time from the 354 to the end of the message. */
  dataTimeoutMs: number;
  /** Error replies (5xx) after which the session is closed. */
  maxErrors: number;
}

/**
 * What one SMTP connection may cost beyond smtp-server's own idle timeout, which any byte resets:
 * a command line and a message each have a total time (RFC 5321 §4.5.3.2 as the reference), and a
 * session that keeps provoking errors is closed. Each ends the session with a 421, which never
 * follows a 250: a message cut off here was not accepted, and its sender keeps it and retries.
 */
export class SmtpConnectionGuard {
  private errors = 0;
  private commandTimer: NodeJS.Timeout | undefined;
  private dataTimer: NodeJS.Timeout | undefined;
  private inData = false;
  private ended = false;

  constructor(
    private readonly connection: SmtpConnection,
    private readonly settings: SmtpGuardSettings,
    private readonly log: Logger,
  ) {
    // Every reply passes through send(), the library's own syntax errors as well as the
    // handler's refusals, so the error budget counts both.
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) => {
      send(code, data, context);
      if (code >= 500 && code < 600) this.countError();
    };
    connection._socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    connection._socket.once('close', () => this.dispose());
  }

  get errorCount(): number {
    return this.errors;
  }

  /** The message of this DATA must arrive whole within the DATA time limit. */
  watchData(stream: SMTPServerDataStream): void {
    this.inData = true;
    this.clearCommandTimer();
    this.dataTimer = setTimeout(() => {
      this.end(SmtpReplies.dataTimeout(), 'DATA took longer than its limit');
      // The data stream would otherwise wait for the socket to close; ending it now answers the
      // handler, which keeps nothing of the message.
      stream.destroy();
    }, this.settings.dataTimeoutMs).unref();
    const received = () => {
      clearTimeout(this.dataTimer);
      this.dataTimer = undefined;
      this.inData = false;
    };
    stream.once('end', received);
    stream.once('close', received);
  }

  private onBytes(chunk: Buffer): void {
    if (this.inData || this.ended) return;
    // A line ends with LF: when a chunk ends one, no command is half-sent any more.
    if (chunk.at(-1) === 0x0a) {
      this.clearCommandTimer();
    } else if (!this.commandTimer) {
      this.commandTimer = setTimeout(
        () => this.end(SmtpReplies.commandTimeout(), 'a command line took longer than its limit'),
        this.settings.commandTimeoutMs,
      ).unref();
    }
  }

  private countError(): void {
    this.errors += 1;
    if (this.errors === this.settings.maxErrors) {
      this.end(SmtpReplies.tooManyErrors(), 'the session used up its error budget');
    }
  }

  private end(reply: SmtpReplyError, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.dispose();
    this.log.info(
      { sessionId: this.connection.id, remoteAddress: this.connection.remoteAddress, errors: this.errors },
      `closing an SMTP session: ${reason}`,
    );
    // smtp-server closes the connection after any 421.
    this.connection.send(reply.responseCode, reply.message);
  }

  private clearCommandTimer(): void {
    clearTimeout(this.commandTimer);
    this.commandTimer = undefined;
  }

  private dispose(): void {
    this.clearCommandTimer();
    clearTimeout(this.dataTimer);
    this.dataTimer = undefined;
  }
}
