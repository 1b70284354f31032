import { Inject } from '@nestjs/common';
import { type MethodContext, MethodError } from '@pushmail/jmap';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccountStates } from '../../changes/change-log.js';
import { ChangesService } from '../../changes/changes.service.js';
import type { ChangeType } from '../../store/query-builder.js';
import { invalidArguments, optionalUnsignedInt, requireString } from './arguments.js';
import { sinceModseq } from './query-results.js';
import { readSnapshot } from './read-snapshot.js';

/** The most ids one /changes answer carries, whatever maxChanges asks for. */
export const MAX_CHANGES_PER_CALL = 5000;

/**
 * The methods of a type the change log records (Email, Mailbox, Thread, Identity, EmailSubmission):
 * each reads in one snapshot with the account's states of that snapshot, and Foo/changes is the same
 * for all of them.
 */
export abstract class TypeMethods {
  protected abstract readonly type: ChangeType;

  constructor(
    @Inject(DataSource) protected readonly dataSource: DataSource,
    @Inject(ChangesService) protected readonly changes: ChangesService,
  ) {}

  /** Runs a method's reads in one snapshot (see readSnapshot), given the states of that snapshot. */
  protected withStates<T>(
    accountId: string,
    work: (manager: EntityManager, states: AccountStates) => Promise<T>,
  ): Promise<T> {
    return readSnapshot(this.dataSource, async (manager) =>
      work(manager, await this.changes.readStates(accountId, manager)),
    );
  }

  /** Foo/changes (RFC 8620 §5.2). */
  async changesSince(
    args: Record<string, unknown>,
    context: MethodContext,
  ): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const type = this.type;
    const sinceState = requireString(args, 'sinceState');
    const maxChanges = optionalUnsignedInt(args, 'maxChanges');
    if (maxChanges === 0) throw invalidArguments('"maxChanges" must be greater than 0');
    const limit = Math.min(maxChanges ?? MAX_CHANGES_PER_CALL, MAX_CHANGES_PER_CALL);

    return this.withStates(accountId, async (manager, states) => {
      const since = sinceModseq(sinceState, states);
      const result = await this.changes.changesSince(manager, accountId, type, states, since, limit);
      if (!result.ok) {
        throw new MethodError(
          'cannotCalculateChanges',
          `one change holds more than ${limit} ${type} ids; resynchronise`,
        );
      }
      return {
        accountId,
        oldState: sinceState,
        newState: String(result.newState),
        hasMoreChanges: result.hasMoreChanges,
        created: result.created,
        updated: result.updated,
        destroyed: result.destroyed,
        ...(type === 'Mailbox' ? { updatedProperties: null } : {}),
      };
    });
  }
}

/** The list and notFound of a /get answer (RFC 8620 §5.1): the objects found, in the order asked. */
export function listFound<T>(
  ids: readonly string[],
  found: ReadonlyMap<string, T>,
  view: (object: T, id: string) => Record<string, unknown>,
): { list: Record<string, unknown>[]; notFound: string[] } {
  return {
    list: ids.filter((id) => found.has(id)).map((id) => view(found.get(id)!, id)),
    notFound: ids.filter((id) => !found.has(id)),
  };
}

/**
 * The list and notFound of a /get answer whose rows come in the store's order; `ids` null asks for
 * every object.
 */
export function listRows<T extends { id: string }>(
  ids: readonly string[] | null,
  rows: readonly T[],
  view: (row: T) => Record<string, unknown>,
): { list: Record<string, unknown>[]; notFound: string[] } {
  const found = new Set(rows.map((row) => row.id));
  return { list: rows.map(view), notFound: ids === null ? [] : ids.filter((id) => !found.has(id)) };
}
