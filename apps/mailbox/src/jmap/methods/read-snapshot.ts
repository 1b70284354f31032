import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { STATE_COLUMNS, type StateRow, statesOf } from '../../changes/account-write.js';
import { type AccountStates, INITIAL_STATES } from '../../changes/change-log.js';

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

/** An account id as the store keys accounts: the only value ever written into a statement's text. */
const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PgSimpleClient {
  query(text: string): Promise<Array<{ rows: StateRow[] }>>;
}

/**
 * A REPEATABLE READ transaction begun in one statement: `dataSource.transaction('REPEATABLE READ')`
 * sends START TRANSACTION and then SET TRANSACTION ISOLATION LEVEL, a round trip more on every read.
 * With `statesOfAccount`, that account's states are read in the same round trip as the BEGIN (two
 * statements in one simple query; the snapshot is that of the SELECT) and handed to `work`.
 * Rolled back when `work` fails, as that does; the connection goes back to the pool either way.
 */
async function repeatableRead<T>(
  dataSource: DataSource,
  work: (manager: EntityManager, states?: AccountStates) => Promise<T>,
  statesOfAccount?: string,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    let states: AccountStates | undefined;
    if (statesOfAccount !== undefined && ACCOUNT_ID.test(statesOfAccount)) {
      const client = (await runner.connect()) as PgSimpleClient;
      const [, read] = await client.query(
        `START TRANSACTION ISOLATION LEVEL REPEATABLE READ;
         SELECT ${STATE_COLUMNS} FROM mailbox.account_state WHERE account_id = '${statesOfAccount}'`,
      );
      states = statesOf(read?.rows[0]) ?? INITIAL_STATES;
    } else {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    }
    let result: T;
    try {
      result = await work(runner.manager, states);
      await runner.query('COMMIT');
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return result;
  } finally {
    await runner.release();
  }
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
