import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { IngestMetrics } from '../metrics/ingest-metrics.js';
import { RecipientDirectory } from '../recipients/recipient-directory.js';
import { SmtpSessionHandler, type SmtpSessionLimits } from '../smtp/smtp-session.handler.js';
import { AcceptMessage } from '../usecases/accept-message/accept-message.usecase.js';
import type { MailArrivedPublisher } from '../usecases/accept-message/mail-arrived-publisher.js';
import type { AuthenticateSender } from '../usecases/authenticate-sender/authenticate-sender.usecase.js';

export interface TestSessionHandlerOptions {
  /** The hosted domains, and the accounts known (active) in them. */
  domains: string[];
  accounts: Array<{ accountId: string; address: string }>;
  postmasterAccount?: string;
  publisher: MailArrivedPublisher;
  publishTimeoutMs: number;
  hostname?: string;
  limits: SmtpSessionLimits;
  logger: Logger;
  authenticateSender?: AuthenticateSender;
}

/** The SMTP session handler over its real use cases, its metrics on a registry of its own. */
export function testSessionHandler(options: TestSessionHandlerOptions): {
  handler: SmtpSessionHandler;
  directory: RecipientDirectory;
  registry: Registry;
} {
  const directory = new RecipientDirectory(options.domains, options.postmasterAccount);
  for (const account of options.accounts) {
    directory.applyChange(
      { ...account, revision: 1, status: 'active', updatedAt: new Date().toISOString() },
      undefined,
    );
  }
  const registry = new Registry();
  const metrics = new IngestMetrics(registry);
  const acceptMessage = new AcceptMessage(options.publisher, metrics, {
    publishTimeoutMs: options.publishTimeoutMs,
    hostname: options.hostname ?? 'mx.ingest.test',
    // As in the service: an Authentication-Results naming a hosted domain is not the sender's to give.
    authservIds: options.domains,
  });
  const handler = new SmtpSessionHandler(
    directory,
    acceptMessage,
    metrics,
    options.logger,
    options.limits,
    options.authenticateSender,
  );
  return { handler, directory, registry };
}
