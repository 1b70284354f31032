import { Inject, Injectable } from '@nestjs/common';
import type { MailSubmittedV2 } from '@pushmail/contracts';
import { CONFIG } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../../config/outbound-config.js';

/**
 * Puts each recipient of a submission in the durable queue, once: a redelivered event finds its
 * rows and adds nothing. Resolves once Postgres has them, so the offset is committed only after.
 */
@Injectable()
export class QueueSubmissionUseCase {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OutboundConfig,
  ) {}

  /** v1 events too: a v1 event is a v2 event whose sender is never the null reverse-path. */
  async execute(events: readonly MailSubmittedV2[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const event of events) {
        const submittedAt = new Date(event.submittedAt);
        const expiresAt = new Date(submittedAt.getTime() + this.config.QUEUE_MAX_AGE_MS);
        await manager.query(
          `INSERT INTO outbound.messages (submission_id, account_id, email_id, mail_from, raw, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (submission_id) DO NOTHING`,
          [
            event.submissionId,
            event.accountId,
            event.emailId,
            event.envelope.mailFrom,
            Buffer.from(event.rawBase64, 'base64'),
            submittedAt,
          ],
        );
        await manager.query(
          `INSERT INTO outbound.deliveries (submission_id, account_id, recipient, expires_at)
           SELECT $1, $2, recipient, $4 FROM unnest($3::text[]) AS recipient
           ON CONFLICT (submission_id, recipient) DO NOTHING`,
          [event.submissionId, event.accountId, [...new Set(event.envelope.rcptTo)], expiresAt],
        );
      }
    });
  }
}
