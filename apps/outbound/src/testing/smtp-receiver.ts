import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  secure: boolean;
  user: string | undefined;
  /** The SMTP connection it came over (the server's id for it). */
  connectionId: string;
}

/** What the receiver answers a recipient: accept (after `delayMs`, a slow server), or an SMTP error with its code. */
export type RecipientVerdict =
  { accept: true; delayMs?: number } | { accept: false; code: number; message: string };

export interface SmtpReceiver {
  port: number;
  received: ReceivedMessage[];
  /** Decides each RCPT; by default every recipient is accepted. */
  judge: (recipient: string) => RecipientVerdict;
  close(): Promise<void>;
}

/** A real SMTP server on loopback, playing a remote MX host or a smarthost. */
export async function startSmtpReceiver(options: Partial<SMTPServerOptions> = {}): Promise<SmtpReceiver> {
  const receiver: SmtpReceiver = {
    port: 0,
    received: [],
    judge: () => ({ accept: true }),
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: [],
    logger: false,
    ...options,
    onRcptTo(address, _session, callback) {
      const verdict = receiver.judge(address.address);
      if (verdict.accept) {
        if (verdict.delayMs) return void setTimeout(() => callback(), verdict.delayMs);
        return callback();
      }
      const error = new Error(verdict.message) as Error & { responseCode: number };
      error.responseCode = verdict.code;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        receiver.received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: session.user as string | undefined,
          connectionId: session.id,
        });
        callback(null, 'Ok: queued here');
      });
    },
  });
  // smtp-server reports a failed listen and every connection's error (a client that resets its
  // connection mid-transaction, a killed sender) as errors of the server: heard each time, not once,
  // or the second would end the test process. A connection error only ends that session.
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  receiver.port = (server.server.address() as AddressInfo).port;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
