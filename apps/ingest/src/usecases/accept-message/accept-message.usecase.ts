import { randomBytes, randomUUID } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import type { MailArrivedV1 } from '@pushmail/contracts';
import { contextWithSpan, injectTraceHeaders, startSpan } from '@pushmail/platform';
import type { IngestMetrics } from '../../metrics/ingest-metrics.js';
import { deliveryIdOf } from './delivery-id.js';
import { withoutForgedAuthenticationResults } from './forged-authentication-results.js';
import type { MailArrivedPublisher } from './mail-arrived-publisher.js';
import { traceHeaders } from './trace-headers.js';

export interface IncomingMessage {
  /** The message exactly as received in DATA; the stored copy gets trace fields in front. */
  raw: Buffer;
  mailFrom: string;
  /** Accepted recipients with the account each resolved to at RCPT time. */
  recipients: readonly { address: string; accountId: string }[];
  smtp: { clientAddress: string; heloName: string; sessionId: string };
  /** `ESMTP`, `SMTP` or `UTF8SMTP`, for the `Received:` field. */
  protocol: string;
  receivedAt: Date;
  /** The sender checks' fields to store above the message (see `traceHeaders`). */
  authenticationFields?: string;
  /** The sender checks' results, for the events. */
  authentication?: MailArrivedV1['authentication'];
}

export interface AcceptedMessage {
  queueId: string;
  accounts: number;
  deliveryIds: string[];
  publishMs: number;
}

/** Nothing was promised to the client: it must be told to retry later. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

export interface AcceptMessageOptions {
  publishTimeoutMs: number;
  /** This server's name in the `Received:` field. */
  hostname: string;
  /**
   * Events of one message are published together up to this many bytes. A large message to many
   * accounts would otherwise make one produce request bigger than the broker accepts; splitting
   * is safe because a retry after a partial failure carries the same delivery ids.
   */
  maxPublishBytes?: number;
  /**
   * Besides `hostname`, the authserv-ids an arriving `Authentication-Results:` may not claim (the
   * hosted domains): such a field is removed before the message is stored (RFC 8601 §5).
   */
  authservIds?: readonly string[];
}

const DEFAULT_MAX_PUBLISH_BYTES = 32 * 1024 * 1024;
// JSON field names and envelope data besides the raw message, generously.
const EVENT_OVERHEAD_BYTES = 2048;

/**
 * Turns one received message into one mail-arrived event per recipient account and publishes
 * them; resolves only once Kafka has them all, within the publish timeout.
 */
export class AcceptMessage {
  private readonly maxPublishBytes: number;
  private readonly authservIds: ReadonlySet<string>;

  constructor(
    private readonly publisher: MailArrivedPublisher,
    private readonly metrics: IngestMetrics,
    private readonly options: AcceptMessageOptions,
  ) {
    this.maxPublishBytes = options.maxPublishBytes ?? DEFAULT_MAX_PUBLISH_BYTES;
    this.authservIds = new Set(
      [options.hostname, ...(options.authservIds ?? [])].map((id) => id.toLowerCase().replace(/\.$/, '')),
    );
  }

  async execute(message: IncomingMessage): Promise<AcceptedMessage> {
    const queueId = randomBytes(8).toString('hex').toUpperCase();
    const events = this.eventsOf(message, queueId);
    // The trace of the message starts here and follows its events through every service.
    const span = startSpan('smtp.message', {
      attributes: {
        'smtp.queue_id': queueId,
        'smtp.session_id': message.smtp.sessionId,
        'smtp.recipient_accounts': events.length,
        'messaging.message.body.size': message.raw.length,
      },
    });
    const started = performance.now();
    // A publish that completes after the timeout is harmless: the client's retry carries the
    // same delivery ids, so the mailbox keeps one copy.
    try {
      await withTimeout(
        this.publishInBatches(events, {
          'smtp-queue-id': queueId,
          ...injectTraceHeaders(contextWithSpan(span)),
        }),
        this.options.publishTimeoutMs,
      );
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      span.end();
      this.metrics.publishSeconds.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
      throw new PublishFailedError(
        `publishing ${events.length} event(s) failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const publishMs = performance.now() - started;
    span.end();
    this.metrics.publishSeconds.observe({ outcome: 'ok' }, publishMs / 1000);
    return {
      queueId,
      accounts: events.length,
      deliveryIds: events.map((event) => event.deliveryId),
      publishMs,
    };
  }

  /**
   * The stored message is the trace fields followed by the bytes as sent, less any
   * `Authentication-Results:` that claims to be ours. The delivery id stays a hash of the bytes
   * as sent: the trace differs on every attempt (queue id, time), and a client's retry of the same
   * message must still be the same delivery.
   */
  private eventsOf(message: IncomingMessage, queueId: string): MailArrivedV1[] {
    const stored = Buffer.concat([
      traceHeaders({
        mailFrom: message.mailFrom,
        heloName: message.smtp.heloName,
        clientAddress: message.smtp.clientAddress,
        hostname: this.options.hostname,
        protocol: message.protocol,
        queueId,
        receivedAt: message.receivedAt,
        ...(message.authenticationFields === undefined
          ? {}
          : { authenticationFields: message.authenticationFields }),
      }),
      withoutForgedAuthenticationResults(message.raw, this.authservIds),
    ]);
    const rawBase64 = stored.toString('base64');
    const receivedAt = message.receivedAt.toISOString();
    const seen = new Set<string>();
    const events: MailArrivedV1[] = [];
    for (const recipient of message.recipients) {
      if (seen.has(recipient.accountId)) continue;
      seen.add(recipient.accountId);
      events.push({
        eventId: randomUUID(),
        accountId: recipient.accountId,
        deliveryId: deliveryIdOf(recipient.accountId, message.raw),
        receivedAt,
        envelope: { mailFrom: message.mailFrom, rcptTo: recipient.address },
        smtp: message.smtp,
        sizeBytes: stored.length,
        rawBase64,
        ...(message.authentication === undefined ? {} : { authentication: message.authentication }),
      });
    }
    return events;
  }

  private async publishInBatches(events: MailArrivedV1[], headers: Record<string, string>): Promise<void> {
    const eventBytes = (events[0]?.rawBase64.length ?? 0) + EVENT_OVERHEAD_BYTES;
    const perBatch = Math.max(1, Math.floor(this.maxPublishBytes / eventBytes));
    for (let start = 0; start < events.length; start += perBatch) {
      await this.publisher.publish(events.slice(start, start + perBatch), headers);
    }
  }
}

export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  // The work may still settle after the timeout; its late failure must not become unhandled.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
