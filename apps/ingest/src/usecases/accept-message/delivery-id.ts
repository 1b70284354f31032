import { createHash } from 'node:crypto';

/**
 * The idempotency key of one message for one account. A client that retries after a 451 sends
 * the same bytes again, so the retry gets the same id and the mailbox can drop the second copy.
 */
export function deliveryIdOf(accountId: string, raw: Buffer): string {
  return createHash('sha256').update(accountId).update('\n').update(raw).digest('hex');
}
