import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid, preparedQuery } from '@pushmail/platform';
import type { ChangeType } from '../store/query-builder.js';
import { STATE_COLUMNS, type StateRow, statesOf } from './account-write.js';
import {
  type AccountStates,
  type ChangeRow,
  type CollapsedChanges,
  collapseChanges,
  INITIAL_STATES,
  isChangeType,
  pageOfChanges,
  typeModseq,
} from './change-log.js';

export type ChangesSince =
  ({ ok: true; newState: number; hasMoreChanges: boolean } & CollapsedChanges) | { ok: false };

/** One Foo/changes read of the log: the ids of `type` changed after `since`, a page of `maxChanges`. */
export interface ChangesRead {
  readonly accountId: string;
  readonly type: ChangeType;
  readonly since: number;
  readonly maxChanges: number;
}

export interface ChangeLogRow {
  object_id: string;
  kind: ChangeRow['kind'];
  modseq: string;
}

/**
 * The log's rows after the since-state up to `upTo`, one more than a page holds, so that the page
 * (cut between transactions) and whether more remain both come from what it read.
 */
function changesSinceText(account: string, type: string, since: string, upTo: string, rows: string): string {
  return `SELECT object_id, kind, modseq
         FROM mailbox.changes
        WHERE account_id = ${account} AND type = ${type} AND modseq > ${since} AND modseq <= ${upTo}
        ORDER BY modseq, object_id
        LIMIT ${rows}`;
}

const CHANGES_SINCE = changesSinceText('$1', '$2', '$3', '$4', '$5');

/**
 * `read` as mailbox.changes-since with its values written out, for a REPEATABLE READ transaction to
 * send with its BEGIN and its read of the states: bounded by the account's modseq in the snapshot,
 * which every statement of such a transaction reads, so the bound is the state that read returns.
 * Undefined unless every value is one that cannot leave its place in the text: an account id
 * (`isUuid`), a type of the log and non-negative integers.
 */
export function inlineChangesSince(read: ChangesRead): string | undefined {
  const { accountId, type, since, maxChanges } = read;
  if (!isUuid(accountId) || !isChangeType(type)) return undefined;
  if (!Number.isSafeInteger(since) || since < 0 || !Number.isSafeInteger(maxChanges) || maxChanges < 1)
    return undefined;
  const account = `'${accountId}'`;
  return changesSinceText(
    account,
    `'${type}'`,
    String(since),
    `(SELECT modseq FROM mailbox.account_state WHERE account_id = ${account})`,
    String(maxChanges + 1),
  );
}

/**
 * Reads an account's state counters and its change log. Every device's fetch after a push runs
 * these (a /changes, then a /get, each reading the states), so they are named prepared statements
 * (`preparedQuery`): parsed once per connection rather than on every call.
 */
@Injectable()
export class ChangesService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async readStates(
    accountId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AccountStates> {
    const rows = await preparedQuery<StateRow>(
      manager,
      'mailbox.read-states',
      `SELECT ${STATE_COLUMNS} FROM mailbox.account_state WHERE account_id = $1`,
      [accountId],
    );
    return statesOf(rows[0]) ?? INITIAL_STATES;
  }

  /** The distinct ids of one type changed after `since`, up to `limit` of them (more means too many). */
  async changedIds(
    manager: EntityManager,
    accountId: string,
    type: ChangeType,
    since: number,
    upTo: number,
    limit: number,
  ): Promise<string[]> {
    const rows = await preparedQuery<{ object_id: string }>(
      manager,
      'mailbox.changed-ids',
      `SELECT DISTINCT object_id FROM mailbox.changes
        WHERE account_id = $1 AND type = $2 AND modseq > $3 AND modseq <= $4
        LIMIT $5`,
      [accountId, type, since, upTo, limit],
    );
    return rows.map((row) => row.object_id);
  }

  /**
   * What changed for one type after `since`, at most `maxChanges` ids. Runs against `states` as
   * read in the same transaction, so rows committed after that read are left for the next call.
   * `logged` are the rows of this same read already read in the same snapshot (inlineChangesSince).
   */
  async changesSince(
    manager: EntityManager,
    read: ChangesRead,
    states: AccountStates,
    logged?: readonly ChangeLogRow[],
  ): Promise<ChangesSince> {
    const { accountId, type, since, maxChanges } = read;
    const rows =
      logged ??
      (await preparedQuery<ChangeLogRow>(manager, 'mailbox.changes-since', CHANGES_SINCE, [
        accountId,
        type,
        since,
        states.modseq,
        maxChanges + 1,
      ]));
    const page = pageOfChanges(
      rows.map((row) => ({ objectId: row.object_id, kind: row.kind, modseq: Number(row.modseq) })),
      maxChanges,
    );
    if (!page.ok) return { ok: false };
    return {
      ok: true,
      // With nothing left to list, the client is at the type's current state, whatever it asked from.
      newState: page.hasMore ? page.rows.at(-1)!.modseq : typeModseq(states, type),
      hasMoreChanges: page.hasMore,
      ...collapseChanges(page.rows),
    };
  }
}
