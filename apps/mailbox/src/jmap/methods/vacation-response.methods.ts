import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_CORE_LIMITS,
  type MethodContext,
  MethodError,
  type SetError,
  setError,
  VACATION_RESPONSE_ID,
} from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { AccountChanges } from '../../changes/account-changes.js';
import { loadVacation, saveVacation } from '../../vacation/vacation-store.js';
import { applyVacationPatch, VACATION_PROPERTIES, vacationView } from '../../vacation/vacation-response.js';
import { idsArgument, orNull, propertiesArgument, setArguments } from './arguments.js';
import { readSnapshot } from './read-snapshot.js';

/**
 * VacationResponse/get and /set (RFC 8621 §8): the one per account, id `singleton`. It cannot be
 * created nor destroyed (`singleton`); while it is active, mail that arrives is answered (see
 * replyIfOnVacation).
 */
@Injectable()
export class VacationResponseMethods {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly accounts: AccountChanges,
  ) {}

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false);
    const properties = propertiesArgument(args, 'properties', VACATION_PROPERTIES, VACATION_PROPERTIES);
    return readSnapshot(this.dataSource, async (manager) => {
      const { vacation, state } = await loadVacation(manager, accountId);
      const found = ids === null || ids.includes(VACATION_RESPONSE_ID);
      return {
        accountId,
        state,
        list: found ? [vacationView(vacation, properties)] : [],
        notFound: ids === null ? [] : [...new Set(ids.filter((id) => id !== VACATION_RESPONSE_ID))],
      };
    });
  }

  async set(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    // In a change transaction of the account (its row locked, so two sets in a row see each other's
    // state), announced after the commit: the account's devices are pushed a StateChange.
    const { result, before, after } = await this.accounts.write(accountId, async (write) => {
      const current = await loadVacation(write.manager, accountId);
      if (ifInState !== undefined && ifInState !== current.state) {
        throw new MethodError('stateMismatch', 'the VacationResponse changed since that state');
      }
      const singleton = (what: string): SetError =>
        setError('singleton', `the VacationResponse is a singleton: it cannot be ${what}`);
      const notCreated = Object.fromEntries(Object.keys(create).map((key) => [key, singleton('created')]));
      const notDestroyed = Object.fromEntries(destroy.map((id) => [id, singleton('destroyed')]));
      const notUpdated: Record<string, SetError> = {};
      const updated: Record<string, null> = {};
      let vacation = current.vacation;
      for (const [id, patch] of Object.entries(update)) {
        if (id !== VACATION_RESPONSE_ID) {
          notUpdated[id] = setError('notFound');
          continue;
        }
        const applied = applyVacationPatch(vacation, patch);
        if (!applied.ok) {
          notUpdated[id] = applied.error;
          continue;
        }
        vacation = applied.vacation;
        updated[id] = null;
      }
      if (Object.keys(updated).length > 0) await saveVacation(write, vacation);
      return {
        accountId,
        oldState: current.state,
        created: null,
        updated: orNull(updated),
        destroyed: null,
        notCreated: orNull(notCreated),
        notUpdated: orNull(notUpdated),
        notDestroyed: orNull(notDestroyed),
      };
    });
    if (after !== before) await this.accounts.announce([accountId], 'update');
    return { ...result, newState: String(after.vacationModseq) };
  }
}
