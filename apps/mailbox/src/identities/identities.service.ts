import { Inject, Injectable } from '@nestjs/common';
import { AccountChanges } from '../changes/account-changes.js';
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

  constructor(@Inject(AccountChanges) private readonly changes: AccountChanges) {}

  async ensureDefault(accountId: string, address: string | undefined): Promise<void> {
    if (address === undefined) return;
    const known = this.known.get(accountId);
    if (known !== undefined && sameAddress(known, address)) return;
    const { result: changed } = await this.changes.write(accountId, async (write) => {
      await ensureDefaultIdentity(write, address);
      return write.changedSomething;
    });
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.set(accountId, address);
    if (changed) await this.changes.announce([accountId], 'update');
  }
}
