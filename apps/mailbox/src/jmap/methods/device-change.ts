import { Inject, Injectable } from '@nestjs/common';
import type { SetError } from '@pushmail/jmap';
import { AccountChanges } from '../../changes/account-changes.js';
import type { AccountWrite } from '../../changes/account-write.js';
import { typeModseq } from '../../changes/change-log.js';
import type { ChangeType } from '../../store/query-builder.js';
import type { ChangeCause } from '../../publishing/mailbox-changes.publisher.js';
import { assertInState, orNull } from './arguments.js';

/** A device's change of one type, with the states its answer reports. */
export interface DeviceChange<T> {
  result: T;
  oldState: string;
  newState: string;
}

/**
 * How a device's /set and /import change an account: in one change transaction of the account,
 * like a delivery, refused unless the type's state is `ifInState` (RFC 8620 §5.3), and announced
 * on the mailbox-changed topic after the commit, so the account's other devices are pushed a
 * StateChange.
 */
@Injectable()
export class DeviceChanges {
  constructor(@Inject(AccountChanges) private readonly accounts: AccountChanges) {}

  async apply<T>(
    accountId: string,
    type: Exclude<ChangeType, 'Thread'>,
    ifInState: string | undefined,
    work: (write: AccountWrite) => Promise<T>,
    cause: (result: T) => ChangeCause,
  ): Promise<DeviceChange<T>> {
    const { result, before, after } = await this.accounts.write(accountId, (write) => {
      assertInState(type, typeModseq(write.before, type), ifInState);
      return work(write);
    });
    if (after !== before) await this.accounts.announce([accountId], cause(result));
    return { result, oldState: String(typeModseq(before, type)), newState: String(typeModseq(after, type)) };
  }
}

/** What a /set call collects, and its answer (RFC 8620 §5.5). */
export class SetResults<Created> {
  readonly created: Record<string, Created> = {};
  readonly notCreated: Record<string, SetError> = {};
  /** null, or the properties the server changed from what the client sent (RFC 8620 §5.3). */
  readonly updated: Record<string, Record<string, unknown> | null> = {};
  readonly notUpdated: Record<string, SetError> = {};
  readonly destroyed: string[] = [];
  readonly notDestroyed: Record<string, SetError> = {};

  answer(accountId: string, change: DeviceChange<unknown>): Record<string, unknown> {
    return {
      accountId,
      oldState: change.oldState,
      newState: change.newState,
      created: orNull(this.created),
      updated: orNull(this.updated),
      destroyed: this.destroyed.length === 0 ? null : this.destroyed,
      notCreated: orNull(this.notCreated),
      notUpdated: orNull(this.notUpdated),
      notDestroyed: orNull(this.notDestroyed),
    };
  }
}
