import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AccountWrite } from '../changes/account-write.js';
import { MailboxChangesPublisher } from '../publishing/mailbox-changes.publisher.js';
import { ensureDefaultIdentity } from './identity-store.js';
import { sameAddress } from './identity.js';

const MAX_REMEMBERED = 100_000;

/**
 * Keeps each account's default identity on the address the account has now. The address comes from
 * the account snapshot the edge holds and passes with each request, so mailbox needs no copy of it.
 */
@Injectable()
export class IdentitiesService {
  private readonly known = new Map<string, string>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async ensureDefault(accountId: string, address: string | undefined): Promise<void> {
    if (address === undefined) return;
    const known = this.known.get(accountId);
    if (known !== undefined && sameAddress(known, address)) return;
    const changed = await this.dataSource.transaction(async (manager) => {
      const write = await AccountWrite.open(manager, accountId);
      await ensureDefaultIdentity(write, address);
      const changedSomething = write.changedSomething;
      await write.commit();
      return changedSomething;
    });
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.set(accountId, address);
    if (changed) {
      await this.publisher
        .publishPending([accountId], 'update')
        .catch((error: unknown) =>
          this.logger.warn({ err: error, accountId }, 'announcing an identity failed; it will be repeated'),
        );
    }
  }
}
