import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  mailArrivedTopic,
  type MailArrivedV1,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
} from '@pushmail/contracts';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { OutboundMetrics } from '../../metrics/outbound-metrics.js';
import { Outbox } from '../../publishing/outbox.js';
import { LocalRecipients } from '../../recipients/local-recipients.js';
import { retryDelayMs } from './backoff.js';
import { buildDsn } from './dsn.js';
import { type SendOutcome, SmtpSender } from './smtp-sender.js';

interface ClaimedDelivery {
  id: string;
  submission_id: string;
  account_id: string;
  recipient: string;
  attempts: number;
  expires_at: Date;
  mail_from: string;
  submitted_at: Date;
  raw: Buffer;
}

/**
 * One pass over the queue: claims what is due (skipping rows another replica holds), tries each
 * recipient, and records the outcome with its events in one transaction. A claim is a lease: a
 * replica that dies mid-attempt leaves its rows to be tried again once the lease ends, so nothing
 * is lost; the receiver may then see a message twice if the crash came after its final 250. The
 * lease is renewed while the attempts run, so a short one never lets a slow attempt be taken twice.
 */
@Injectable()
export class DeliverQueuedUseCase {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OutboundConfig,
    @Inject(LocalRecipients) private readonly recipients: LocalRecipients,
    @Inject(SmtpSender) private readonly smtp: SmtpSender,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(OutboundMetrics) private readonly metrics: OutboundMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns how many deliveries were attempted. */
  async execute(limit: number): Promise<number> {
    const claimed: ClaimedDelivery[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM outbound.deliveries
          WHERE status IN ('queued', 'deferred') AND next_attempt_at <= now()
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE outbound.deliveries AS delivery
            SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
           FROM due WHERE delivery.id = due.id
         RETURNING delivery.id, delivery.submission_id, delivery.account_id, delivery.recipient,
                   delivery.attempts, delivery.expires_at
       )
       SELECT claimed.*, message.mail_from, message.submitted_at, message.raw
         FROM claimed JOIN outbound.messages AS message USING (submission_id)`,
      [limit, this.config.DELIVERY_LEASE_MS / 1000],
    );
    const running = new Map(claimed.map((delivery) => [delivery.id, delivery.attempts]));
    const renewal = setInterval(
      () =>
        void this.renewLease(running).catch((error: unknown) =>
          this.logger.warn({ err: error }, 'renewing the lease of running deliveries failed'),
        ),
      this.config.DELIVERY_LEASE_MS / 3,
    );
    try {
      await Promise.all(
        claimed.map((delivery) => this.deliver(delivery).finally(() => running.delete(delivery.id))),
      );
    } finally {
      clearInterval(renewal);
    }
    if (claimed.length > 0) await this.outbox.flush().catch(() => undefined);
    return claimed.length;
  }

  /**
   * Extends the claim of deliveries still being tried. A row whose outcome was recorded meanwhile
   * has more attempts than when it was claimed and is left alone (its next attempt is its own).
   */
  private async renewLease(running: Map<string, number>): Promise<void> {
    if (running.size === 0) return;
    await this.dataSource.query(
      `UPDATE outbound.deliveries AS delivery
          SET next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
         FROM unnest($1::bigint[], $2::int[]) AS held (id, attempts)
        WHERE delivery.id = held.id AND delivery.attempts = held.attempts
          AND delivery.status IN ('queued', 'deferred')`,
      [[...running.keys()], [...running.values()], this.config.DELIVERY_LEASE_MS / 1000],
    );
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      const route = this.recipients.route(delivery.recipient);
      if (route.kind === 'local') {
        await this.record(
          delivery,
          { kind: 'delivered', reply: '250 2.0.0 delivered to a hosted mailbox', remoteHost: 'local' },
          (manager) =>
            this.outbox.add(manager, mailArrivedTopic, [
              this.arrived(delivery, route.accountId, route.address),
            ]),
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
    }
  }

  /** The outcome, its status event and any DSN or local delivery, in one transaction. */
  private async record(
    delivery: ClaimedDelivery,
    outcome: SendOutcome,
    alsoInTransaction?: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
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
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE outbound.deliveries
            SET status = $2, attempts = $3, last_reply = $4, remote_host = $5, next_attempt_at = $6, updated_at = now()
          WHERE id = $1`,
        [delivery.id, status, attempts, outcome.reply, outcome.remoteHost, nextAttemptAt],
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
      await this.outbox.add(manager, mailDeliveryStatusTopic, [event]);
      if (status === 'bounced')
        await this.outbox.add(manager, mailArrivedTopic, [this.dsn(delivery, outcome, expired, now)]);
      await alsoInTransaction?.(manager);
    });
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
