import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { STATE_COLUMNS, type StateRow, statesOf } from '../../changes/account-write.js';
import { type AccountStates, INITIAL_STATES } from '../../changes/change-log.js';
import { isUuid } from '@pushmail/platform';
import { transactionBegunWith } from '../../store/begun-transaction.js';

/**
 * One read-only transaction that the methods of a request share (see inOneSnapshot): its manager, the
 * account states read in it, and whether a method failed in it.
 */
interface SharedSnapshot {
  readonly manager: EntityManager;
  readonly states: Map<string, Promise<AccountStates>>;
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

/**
 * A REPEATABLE READ transaction begun in one statement: `dataSource.transaction('REPEATABLE READ')`
 * sends START TRANSACTION and then SET TRANSACTION ISOLATION LEVEL, a round trip more on every read.
 * With `statesOfAccount`, that account's states are read in the same round trip as the BEGIN (the
 * snapshot is that of the SELECT) and handed to `work`; an id that is not an account id is not
 * written into a statement, and its states are then read as any method reads them.
 */
async function repeatableRead<T>(
  dataSource: DataSource,
  work: (manager: EntityManager, states?: AccountStates) => Promise<T>,
  statesOfAccount?: string,
): Promise<T> {
  const first =
    statesOfAccount !== undefined && isUuid(statesOfAccount)
      ? {
          inline: `SELECT ${STATE_COLUMNS} FROM mailbox.account_state WHERE account_id = '${statesOfAccount}'`,
        }
      : undefined;
  return transactionBegunWith<T, StateRow>(
    dataSource,
    'START TRANSACTION ISOLATION LEVEL REPEATABLE READ',
    first,
    (manager, rows) => work(manager, rows === undefined ? undefined : (statesOf(rows[0]) ?? INITIAL_STATES)),
  );
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
 * each of them answered from alone had nothing committed between them. With `accountId` (every
 * method of a request is of the caller's account), its states are read with the BEGIN.
 */
export function inOneSnapshot<T>(
  dataSource: DataSource,
  work: () => Promise<T>,
  accountId?: string,
): Promise<T> {
  return repeatableRead(
    dataSource,
    (manager, states) =>
      shared.run(
        {
          manager,
          states: new Map(states && accountId !== undefined ? [[accountId, Promise.resolve(states)]] : []),
          broken: false,
        },
        work,
      ),
    accountId,
  );
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
