import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { STATE_COLUMNS, type StateRow, statesOf } from '../../changes/account-write.js';
import { type AccountStates, INITIAL_STATES } from '../../changes/change-log.js';
import { type ChangeLogRow, type ChangesRead, inlineChangesSince } from '../../changes/changes.service.js';
import { isUuid } from '@pushmail/platform';
import { transactionBegunWith } from '../../store/begun-transaction.js';

/**
 * One read-only transaction that the methods of a request share (see inOneSnapshot): its manager, the
 * account states read in it, the change log read with its BEGIN, and whether a method failed in it.
 */
interface SharedSnapshot {
  readonly manager: EntityManager;
  readonly states: Map<string, Promise<AccountStates>>;
  readonly changes: { readonly read: ChangesRead; readonly rows: ChangeLogRow[] } | undefined;
  /**
   * A method threw while reading in it. The statement that failed may have aborted the
   * transaction, so the methods after it read in snapshots of their own, as they would alone.
   */
  broken: boolean;
}

const shared = new AsyncLocalStorage<SharedSnapshot>();

/**
 * Runs a method's reads in one snapshot, so the state it answers with is the state of the data
 * it returns even while deliveries commit. Inside inOneSnapshot, that is the request's snapshot.
 */
export function readSnapshot<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const snapshot = shared.getStore();
  if (snapshot === undefined || snapshot.broken) return repeatableRead(dataSource, work);
  return readShared(snapshot, work);
}

const REPEATABLE_READ = 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ';

/**
 * A REPEATABLE READ transaction begun in one statement: `dataSource.transaction('REPEATABLE READ')`
 * sends START TRANSACTION and then SET TRANSACTION ISOLATION LEVEL, a round trip more on every read.
 */
function repeatableRead<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return transactionBegunWith<T, never>(dataSource, REPEATABLE_READ, undefined, async (manager) => ({
    result: await work(manager),
  }));
}

async function readShared<T>(
  snapshot: SharedSnapshot,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  try {
    return await work(snapshot.manager);
  } catch (error) {
    snapshot.broken = true;
    throw error;
  }
}

/**
 * Runs the methods of a request that only read (a client's Email/changes and Email/get after a
 * push) in one REPEATABLE READ transaction instead of one each: one BEGIN and COMMIT and one read of
 * the account states per request. Every method then answers from the same snapshot, which is what
 * each of them answered from alone had nothing committed between them.
 *
 * With `accountId` (every method of a request is of the caller's account), its states are read in the
 * same round trip as the BEGIN (the snapshot is that of this SELECT), and with `changes` (the read of
 * the request's first Foo/changes, firstChangesRead) the log's rows too, up to those states. An id
 * that is not an account id is not written into a statement: the methods then read as alone.
 */
export function inOneSnapshot<T>(
  dataSource: DataSource,
  work: () => Promise<T>,
  accountId?: string,
  changes?: ChangesRead,
): Promise<T> {
  if (accountId === undefined || !isUuid(accountId)) {
    return repeatableRead(dataSource, (manager) =>
      shared.run({ manager, states: new Map(), changes: undefined, broken: false }, work),
    );
  }
  const states = `SELECT ${STATE_COLUMNS} FROM mailbox.account_state WHERE account_id = '${accountId}'`;
  const log = changes === undefined ? undefined : inlineChangesSince(changes);
  return transactionBegunWith<T, StateRow | ChangeLogRow>(
    dataSource,
    REPEATABLE_READ,
    { inline: log === undefined ? states : `${states}; ${log}` },
    async (manager, rows = []) => {
      const stateRow = rows.find((row): row is StateRow => !isChangeLogRow(row));
      const snapshot: SharedSnapshot = {
        manager,
        states: new Map([[accountId, Promise.resolve(statesOf(stateRow) ?? INITIAL_STATES)]]),
        changes:
          changes !== undefined && log !== undefined
            ? { read: changes, rows: rows.filter(isChangeLogRow) }
            : undefined,
        broken: false,
      };
      return { result: await shared.run(snapshot, work) };
    },
  );
}

function isChangeLogRow(row: StateRow | ChangeLogRow): row is ChangeLogRow {
  return 'object_id' in row;
}

/**
 * The account's states in the snapshot of `manager`: read once per shared snapshot, since they
 * cannot change within it, and otherwise read each time.
 */
export function statesInSnapshot(
  manager: EntityManager,
  accountId: string,
  read: () => Promise<AccountStates>,
): Promise<AccountStates> {
  const snapshot = shared.getStore();
  if (snapshot === undefined || snapshot.broken || snapshot.manager !== manager) return read();
  let states = snapshot.states.get(accountId);
  if (states === undefined) {
    states = read();
    snapshot.states.set(accountId, states);
  }
  return states;
}

/**
 * The log's rows of `read` when the request's snapshot read them with its BEGIN (inOneSnapshot) and
 * `manager` is that snapshot's: the same rows mailbox.changes-since finds in it.
 */
export function changesInSnapshot(manager: EntityManager, read: ChangesRead): ChangeLogRow[] | undefined {
  const snapshot = shared.getStore();
  if (snapshot === undefined || snapshot.broken || snapshot.manager !== manager) return undefined;
  const prefetched = snapshot.changes;
  if (prefetched === undefined) return undefined;
  const { accountId, type, since, maxChanges } = prefetched.read;
  const same =
    read.accountId === accountId &&
    read.type === type &&
    read.since === since &&
    read.maxChanges === maxChanges;
  return same ? prefetched.rows : undefined;
}
