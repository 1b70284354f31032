import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountChanges } from '../../changes/account-changes.js';
import { DEFAULT_MAILBOXES, ensureDefaultMailboxes } from '../../mailboxes/default-mailboxes.js';

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
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async ensure(accountId: string): Promise<void> {
    if (this.complete.has(accountId)) return;
    const rows: Array<{ roles: number }> = await this.dataSource.query(
      'SELECT count(*)::int AS roles FROM mailbox.mailboxes WHERE account_id = $1 AND role IS NOT NULL',
      [accountId],
    );
    if ((rows[0]?.roles ?? 0) < DEFAULT_MAILBOXES.length) {
      // Two first requests of a new account race to create its mailboxes: the account lock orders
      // them, and the second finds them made.
      const { result: created } = await this.changes.write(accountId, async (write) => {
        await ensureDefaultMailboxes(write);
        return write.changedSomething;
      });
      if (created) await this.changes.announce([accountId], 'mailbox');
    }
    if (this.complete.size >= MAX_REMEMBERED) this.complete.clear();
    this.complete.add(accountId);
  }
}
