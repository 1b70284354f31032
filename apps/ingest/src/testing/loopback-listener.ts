import type { Logger } from 'pino';
import { SmtpListener, type SmtpListenerSettings } from '../smtp/smtp-listener.js';
import type { SmtpSessionHandler } from '../smtp/smtp-session.handler.js';

/** An SMTP listener on a free loopback port for the tests, answering with `handler`. */
export async function startLoopbackListener(
  handler: SmtpSessionHandler,
  logger: Logger,
  settings: Partial<SmtpListenerSettings> = {},
): Promise<{ listener: SmtpListener; port: number }> {
  const listener = new SmtpListener(
    handler,
    {
      host: '127.0.0.1',
      port: 0,
      hostname: 'mx.ingest.test',
      maxMessageBytes: 64 * 1024,
      socketTimeoutMs: 10_000,
      drainTimeoutMs: 2000,
      guard: { commandTimeoutMs: 60_000, dataTimeoutMs: 60_000, maxErrors: 100 },
      ...settings,
    },
    logger,
  );
  const { port } = await listener.start();
  return { listener, port };
}
