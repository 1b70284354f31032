import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  mailArrivedTopic,
  type MailArrivedV1,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
  NULL_REVERSE_PATH,
} from '@pushmail/contracts';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { OutboundMetrics } from '../../metrics/outbound-metrics.js';
import type { OutboxEntry } from '../../publishing/outbox.js';
import { LocalRecipients } from '../../recipients/local-recipients.js';
import { retryDelayMs } from './backoff.js';
import { buildDsn } from './dsn.js';
import { type SendOutcome, SmtpSender } from './smtp-sender.js';
import { LeaseRenewal } from './lease-renewal.js';
import { OutcomeRecorder } from './outcome-recorder.js';

interface ClaimedDelivery {
  id: string;
  submission_id: string;
  account_id: string;
  recipient: string;
  attempts: number;
  expires_at: Date;
  /** The envelope sender; empty for the null reverse-path. */
  mail_from: string;
  submitted_at: Date;
  raw: Buffer;
  /** Set when the administrator cancelled it: this pass bounces it instead of trying it. */
  cancel_requested_at: Date | null;
  /** Kept running while the attempt lasts; stopped as its outcome is recorded. */
  lease?: LeaseRenewal;
}

/** The reply a delivery the administrator cancelled bounces with. */
export const CANCELLED_REPLY = '550 5.7.1 Cancelled by the administrator';

/**
 * Claims what is due (skipping rows another replica holds), tries each recipient, and records the
 * outcome with its events in one statement. A claim is a lease: a replica that dies mid-attempt leaves its rows to be tried again once the lease ends, so nothing
 * is lost; the receiver may then see a message twice if the crash came after the end of its DATA
 * and before the outcome was recorded. That window is the receiver's time to answer the final dot
 * and then one statement: the outcome is handed to the recorder (`OutcomeRecorder`) as soon as the
 * reply is read, which sends it on a connection of its own, without waiting for a lease renewal in
 * flight, for the other attempts in flight or for a transaction's round trips.
 */
@Injectable()
export class DeliverQueuedUseCase {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OutboundConfig,
    @Inject(LocalRecipients) private readonly recipients: LocalRecipients,
    @Inject(SmtpSender) private readonly smtp: SmtpSender,
    @Inject(OutcomeRecorder) private readonly recorder: OutcomeRecorder,
    @Inject(OutboundMetrics) private readonly metrics: OutboundMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Claims up to `limit` due deliveries and starts an attempt at each; answers the attempts, each of
   * which settles (never rejects) once its outcome is recorded or, after an unexpected failure, left
   * to its lease. Publishing the outcomes' events is the caller's (`Outbox.publishSoon`), so that one
   * sweep can serve several attempts that end together.
   */
  async startDue(limit: number): Promise<Array<Promise<void>>> {
    const claimed: ClaimedDelivery[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM outbound.deliveries
          WHERE status IN ('queued', 'deferred') AND next_attempt_at <= now()
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE outbound.deliveries AS delivery
            SET next_attempt_at = now() + make_interval(secs => $2),
                claimed_until = now() + make_interval(secs => $2), updated_at = now()
           FROM due WHERE delivery.id = due.id
         RETURNING delivery.id, delivery.submission_id, delivery.account_id, delivery.recipient,
                   delivery.attempts, delivery.expires_at, delivery.cancel_requested_at
       )
       SELECT claimed.*, message.mail_from, message.submitted_at, message.raw
         FROM claimed JOIN outbound.messages AS message USING (submission_id)`,
      [limit, this.config.DELIVERY_LEASE_MS / 1000],
    );
    return claimed.map((delivery) => this.deliver(delivery));
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    delivery.lease = new LeaseRenewal(
      this.dataSource,
      delivery.id,
      this.config.DELIVERY_LEASE_MS,
      this.logger,
    );
    try {
      if (delivery.cancel_requested_at !== null) {
        await this.record(delivery, { kind: 'permanent', reply: CANCELLED_REPLY, remoteHost: null });
        return;
      }
      const route = this.recipients.route(delivery.recipient);
      if (route.kind === 'local') {
        await this.record(
          delivery,
          { kind: 'delivered', reply: '250 2.0.0 delivered to a hosted mailbox', remoteHost: 'local' },
          [{ topic: mailArrivedTopic, event: this.arrived(delivery, route.accountId, route.address) }],
        );
        return;
      }
      if (route.kind === 'unknown-local') {
        await this.record(delivery, {
          kind: 'permanent',
          reply: `550 5.1.1 <${route.address}>: no such user here`,
          remoteHost: null,
        });
        return;
      }
      const outcome = await this.smtp.send(delivery.mail_from, route.address, delivery.raw);
      await this.record(delivery, outcome);
    } catch (error) {
      // The lease brings it back; nothing about the message goes in the log.
      this.logger.warn(
        { err: error, deliveryId: delivery.id },
        'a delivery attempt failed unexpectedly; it will be retried',
      );
    } finally {
      await delivery.lease?.stop();
    }
  }

  /** The outcome, its status event and any DSN or local delivery, in one statement (the recorder's). */
  private async record(
    delivery: ClaimedDelivery,
    outcome: SendOutcome,
    alsoPublish: readonly OutboxEntry[] = [],
  ): Promise<void> {
    // Not waited for: a renewal that reaches the row after the outcome finds its claim cleared and
    // changes nothing; one before it is overwritten.
    const renewal = delivery.lease?.stop();
    const attempts = delivery.attempts + 1;
    const now = new Date();
    const expired = outcome.kind === 'temporary' && now.getTime() >= new Date(delivery.expires_at).getTime();
    const status =
      outcome.kind === 'delivered'
        ? 'delivered'
        : outcome.kind === 'permanent' || expired
          ? 'bounced'
          : 'deferred';
    const nextAttemptAt = new Date(
      now.getTime() + retryDelayMs(attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS),
    );
    const event: MailDeliveryStatusV1 = {
      eventId: randomUUID(),
      accountId: delivery.account_id,
      submissionId: delivery.submission_id,
      recipient: delivery.recipient,
      delivered: status === 'delivered' ? 'yes' : status === 'bounced' ? 'no' : 'queued',
      smtpReply: outcome.reply,
      attempts,
      occurredAt: now.toISOString(),
    };
    const events: OutboxEntry[] = [{ topic: mailDeliveryStatusTopic, event }];
    // A message sent with the null reverse-path is never answered (RFC 5321 §4.5.5, RFC 3464 §2):
    // no DSN, so that a bounce of an automatic reply cannot start a loop.
    if (status === 'bounced' && delivery.mail_from !== NULL_REVERSE_PATH)
      events.push({ topic: mailArrivedTopic, event: this.dsn(delivery, outcome, expired, now) });
    events.push(...alsoPublish);
    // Handed over at once: nothing runs between the reply and its statement but the other replies
    // read in the same turn of the event loop, which go in the same statement.
    await this.recorder.record({
      deliveryId: delivery.id,
      status,
      attempts,
      reply: outcome.reply,
      remoteHost: outcome.remoteHost,
      nextAttemptAt,
      events,
      ...(outcome.repliedAt === undefined ? {} : { repliedAt: outcome.repliedAt }),
    });
    await renewal;
    if (status === 'delivered')
      this.metrics.delivered.inc({ route: outcome.remoteHost === 'local' ? 'local' : 'smtp' });
    if (status === 'deferred') this.metrics.deferred.inc();
    if (status === 'bounced') this.metrics.bounced.inc({ reason: expired ? 'expired' : 'refused' });
  }

  /** A hosted recipient's copy, with the idempotency key ingest would give the same bytes. */
  private arrived(delivery: ClaimedDelivery, accountId: string, address: string): MailArrivedV1 {
    return {
      eventId: randomUUID(),
      accountId,
      deliveryId: createHash('sha256').update(accountId).update('\n').update(delivery.raw).digest('hex'),
      receivedAt: new Date().toISOString(),
      envelope: { mailFrom: delivery.mail_from, rcptTo: address },
      smtp: {
        clientAddress: 'outbound',
        heloName: this.config.OUTBOUND_HOSTNAME,
        sessionId: delivery.submission_id.slice(0, 64),
      },
      sizeBytes: delivery.raw.length,
      rawBase64: delivery.raw.toString('base64'),
    };
  }

  /** The DSN to the sender's Inbox; one per failed recipient, stored once however often it is published. */
  private dsn(delivery: ClaimedDelivery, outcome: SendOutcome, expired: boolean, now: Date): MailArrivedV1 {
    const raw = buildDsn({
      reportingMta: this.config.OUTBOUND_HOSTNAME,
      sender: delivery.mail_from,
      submittedAt: new Date(delivery.submitted_at),
      failed: {
        recipient: delivery.recipient,
        reply: outcome.reply,
        remoteHost: outcome.remoteHost,
        expired,
      },
      original: delivery.raw,
      now,
    });
    return {
      eventId: randomUUID(),
      accountId: delivery.account_id,
      deliveryId: createHash('sha256')
        .update(`dsn\n${delivery.submission_id}\n${delivery.recipient.toLowerCase()}`)
        .digest('hex'),
      receivedAt: now.toISOString(),
      envelope: { mailFrom: '', rcptTo: delivery.mail_from },
      smtp: {
        clientAddress: 'outbound',
        heloName: this.config.OUTBOUND_HOSTNAME,
        sessionId: delivery.submission_id.slice(0, 64),
      },
      sizeBytes: raw.length,
      rawBase64: raw.toString('base64'),
    };
  }
}
