import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '@pushmail/platform';
import { AccountWrite } from '../../changes/account-write.js';
import { DEFAULT_MAILBOXES, ensureDefaultMailboxes } from '../../mailboxes/default-mailboxes.js';
import { MailboxChangesPublisher } from '../../publishing/mailbox-changes.publisher.js';

/** Remembered accounts are forgotten past this many, so memory stays bounded. */
const MAX_REMEMBERED = 100_000;

/**
 * Gives an account its six role mailboxes before its first JMAP call, so a device sees a complete
 * account even before any mail arrived. Role mailboxes cannot be destroyed, so an account found
 * complete once stays complete.
 */
@Injectable()
export class ProvisionAccount {
  private readonly complete = new Set<string>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async ensure(accountId: string): Promise<void> {
    if (this.complete.has(accountId)) return;
    const rows: Array<{ roles: number }> = await this.dataSource.query(
      'SELECT count(*)::int AS roles FROM mailbox.mailboxes WHERE account_id = $1 AND role IS NOT NULL',
      [accountId],
    );
    if ((rows[0]?.roles ?? 0) < DEFAULT_MAILBOXES.length) {
      const created = await this.dataSource.transaction(async (manager) => {
        const write = await AccountWrite.open(manager, accountId);
        await ensureDefaultMailboxes(write);
        const changed = write.changedSomething;
        await write.commit();
        return changed;
      });
      if (created) {
        await this.publisher
          .publishPending([accountId], 'mailbox')
          .catch((error: unknown) =>
            this.logger.warn(
              { err: error, accountId },
              'announcing new mailboxes failed; it will be repeated',
            ),
          );
      }
    }
    if (this.complete.size >= MAX_REMEMBERED) this.complete.clear();
    this.complete.add(accountId);
  }
}
