import { Inject, Injectable } from '@nestjs/common';
import type { MailDeliveryStatusV1 } from '@pushmail/contracts';
import { AccountChanges } from '../../changes/account-changes.js';
import type { AccountWrite } from '../../changes/account-write.js';
import { type DeliveryStatus, nextDeliveryStatus } from '../../submissions/submission.js';

/**
 * Keeps each submission's `deliveryStatus` current from outbound's delivery-status events: one
 * change transaction per account per batch, so the account's devices see EmailSubmission change.
 * Applying an event twice changes nothing, and a final outcome is never undone by a late `queued`.
 */
@Injectable()
export class RecordDeliveryStatusUseCase {
  constructor(@Inject(AccountChanges) private readonly accounts: AccountChanges) {}

  async execute(events: readonly MailDeliveryStatusV1[]): Promise<void> {
    const byAccount = new Map<string, MailDeliveryStatusV1[]>();
    for (const event of events)
      byAccount.set(event.accountId, [...(byAccount.get(event.accountId) ?? []), event]);
    const changedAccounts: string[] = [];
    for (const [accountId, accountEvents] of byAccount) {
      const { before, after } = await this.accounts.write(accountId, async (write) => {
        for (const event of accountEvents) await recordStatus(write, event);
      });
      if (after !== before) changedAccounts.push(accountId);
    }
    await this.accounts.announce(changedAccounts, 'update');
  }
}

async function recordStatus(write: AccountWrite, event: MailDeliveryStatusV1): Promise<void> {
  const { manager, accountId } = write;
  const rows: Array<{ delivery_status: Record<string, DeliveryStatus> }> = await manager.query(
    `SELECT delivery_status FROM mailbox.email_submissions
      WHERE id = $1 AND account_id = $2 FOR UPDATE`,
    [event.submissionId, accountId],
  );
  const row = rows[0];
  // A destroyed submission keeps no status.
  if (!row) return;
  const key =
    Object.keys(row.delivery_status).find(
      (recipient) => recipient.toLowerCase() === event.recipient.toLowerCase(),
    ) ?? event.recipient;
  const current = row.delivery_status[key];
  const next = nextDeliveryStatus(current, {
    smtpReply: event.smtpReply,
    delivered: event.delivered,
    displayed: current?.displayed ?? 'unknown',
  });
  if (current && current.delivered === next.delivered && current.smtpReply === next.smtpReply) return;
  await manager.query(
    `UPDATE mailbox.email_submissions
        SET delivery_status = jsonb_set(delivery_status, ARRAY[$3::text], $4::jsonb), updated_modseq = $5
      WHERE id = $1 AND account_id = $2`,
    [event.submissionId, accountId, key, JSON.stringify(next), write.modseq],
  );
  write.record('EmailSubmission', event.submissionId, 'updated');
}
