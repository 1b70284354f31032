import { Inject } from '@nestjs/common';
import { type Invocation, type MethodContext, MethodError } from '@pushmail/jmap';
import { DataSource, type EntityManager } from 'typeorm';
import { type AccountStates, isChangeType, parseState, typeModseq } from '../../changes/change-log.js';
import { type ChangesRead, ChangesService } from '../../changes/changes.service.js';
import type { ChangeType } from '../../store/query-builder.js';
import { invalidArguments, optionalUnsignedInt, requireString } from './arguments.js';
import {
  queryAnswer,
  queryChangesAnswer,
  queryChangesArguments,
  queryWindowArguments,
  sinceModseq,
} from './query-results.js';
import { changesInSnapshot, readSnapshot, statesInSnapshot } from './read-snapshot.js';

/** The most ids one /changes answer carries, whatever maxChanges asks for. */
export const MAX_CHANGES_PER_CALL = 5000;

/** The most ids a /changes answer carries for the maxChanges asked (a positive integer or none). */
function changesLimit(maxChanges: number | undefined): number {
  return Math.min(maxChanges ?? MAX_CHANGES_PER_CALL, MAX_CHANGES_PER_CALL);
}

/**
 * What the request's first Foo/changes will read from the log, for its snapshot to read with the
 * BEGIN (inOneSnapshot): undefined unless Foo is a type the log records and the call names the
 * caller's account, a sinceState written out as a state this server issues (no result reference),
 * and no maxChanges or a positive integer. The call itself still checks all of them, as ever.
 */
export function firstChangesRead(
  methodCalls: readonly Invocation[],
  accountId: string,
): ChangesRead | undefined {
  const call = methodCalls.find(([name]) => name.endsWith('/changes'));
  if (call === undefined) return undefined;
  const [name, args] = call;
  const type = name.slice(0, -'/changes'.length);
  const sinceState = args['sinceState'];
  const since = typeof sinceState === 'string' ? parseState(sinceState) : null;
  const maxChanges = args['maxChanges'] ?? undefined;
  const accepted =
    maxChanges === undefined ||
    (typeof maxChanges === 'number' && Number.isSafeInteger(maxChanges) && maxChanges > 0);
  if (!isChangeType(type) || args['accountId'] !== accountId || since === null || !accepted) return undefined;
  return { accountId, type, since, maxChanges: changesLimit(maxChanges) };
}

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
      work(
        manager,
        await statesInSnapshot(manager, accountId, () => this.changes.readStates(accountId, manager)),
      ),
    );
  }

  /**
   * A Foo/get answer (RFC 8620 §5.1): the objects `read` finds in one snapshot, in its order, with the
   * requested properties and their ids; `ids` null asks for every object.
   */
  protected getAnswer(
    accountId: string,
    ids: readonly string[] | null,
    properties: readonly string[],
    read: (manager: EntityManager) => Promise<ReadonlyArray<{ id: string }>>,
  ): Promise<Record<string, unknown>> {
    return this.withStates(accountId, async (manager, states) => {
      const objects = await read(manager);
      const found = new Set(objects.map((object) => object.id));
      return {
        accountId,
        state: String(typeModseq(states, this.type)),
        list: objects.map((object) => pickProperties(object, properties)),
        notFound: ids === null ? [] : ids.filter((id) => !found.has(id)),
      };
    });
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
    const limit = changesLimit(maxChanges);

    return this.withStates(accountId, async (manager, states) => {
      const since = sinceModseq(sinceState, states);
      const read = { accountId, type, since, maxChanges: limit };
      const result = await this.changes.changesSince(manager, read, states, changesInSnapshot(manager, read));
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

/** The most changed ids a queryChanges of a listed type considers. */
const MAX_LISTED_QUERY_CHANGES = 10_000;

/**
 * The types whose query results are listed whole in memory (mailboxes, submissions): Foo/query cuts
 * its window from the list, and Foo/queryChanges removes every changed id and adds it back at its
 * index in the new list.
 */
export abstract class ListedQueryMethods<Query> extends TypeMethods {
  /** Reads the filter and sort of a query, refusing what the type does not support. */
  protected abstract readonly queryOf: (args: Record<string, unknown>) => Query;
  /**
   * Every id in the results, in order. Given `changed`, adds to it the ids whose place in the results
   * depends on a changed one.
   */
  protected abstract matchingIds(
    manager: EntityManager,
    accountId: string,
    query: Query,
    changed?: Set<string>,
  ): Promise<string[]>;

  async query(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const query = this.queryOf(args);
    const window = queryWindowArguments(args);
    return this.withStates(accountId, async (manager, states) => {
      const ids = await this.matchingIds(manager, accountId, query);
      return queryAnswer(accountId, typeModseq(states, this.type), ids, window);
    });
  }

  async queryChanges(
    args: Record<string, unknown>,
    context: MethodContext,
  ): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const asked = queryChangesArguments(args);
    const query = this.queryOf(args);
    return this.withStates(accountId, async (manager, states) => {
      const since = sinceModseq(asked.sinceQueryState, states);
      const changed = new Set(
        await this.changes.changedIds(
          manager,
          accountId,
          this.type,
          since,
          states.modseq,
          MAX_LISTED_QUERY_CHANGES,
        ),
      );
      const ids = await this.matchingIds(manager, accountId, query, changed);
      return queryChangesAnswer(accountId, asked, typeModseq(states, this.type), ids, changed);
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

function pickProperties(object: { id: string }, properties: readonly string[]): Record<string, unknown> {
  const values = object as Record<string, unknown>;
  const picked: Record<string, unknown> = { id: object.id };
  for (const property of properties) picked[property] = values[property];
  return picked;
}
