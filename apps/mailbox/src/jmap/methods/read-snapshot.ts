import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** The snapshot every method of the running read-only request reads (see inOneSnapshot). */
const requestSnapshot = new AsyncLocalStorage<{ manager: EntityManager; savepoints: number }>();

/**
 * Runs a method's reads in one snapshot, so the state it answers with is the state of the data
 * it returns even while deliveries commit. Within inOneSnapshot, that is the request's snapshot;
 * a savepoint keeps a statement that fails (a timeout) from failing the methods after it.
 */
export async function readSnapshot<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const shared = requestSnapshot.getStore();
  if (!shared) return dataSource.transaction('REPEATABLE READ', work);
  const savepoint = `method_${(shared.savepoints += 1)}`;
  await shared.manager.query(`SAVEPOINT ${savepoint}`);
  let result: T;
  try {
    result = await work(shared.manager);
  } catch (error) {
    await shared.manager.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    throw error;
  }
  await shared.manager.query(`RELEASE SAVEPOINT ${savepoint}`);
  return result;
}

/** Method names that only read: a request of them alone is answered from one snapshot. */
const READ_ONLY_METHOD = /^[A-Za-z]+\/(get|query|changes|queryChanges)$/;

export function isReadOnlyRequest(methodNames: readonly string[]): boolean {
  return methodNames.length > 0 && methodNames.every((name) => READ_ONLY_METHOD.test(name));
}

/**
 * Runs `work` (every method of a read-only request) in one REPEATABLE READ READ ONLY snapshot: the
 * state one method answers with is that of the rows every other method lists, even when mail is
 * delivered between two of them, so a client that asks for a state and a listing in one request
 * never gets a state newer than its listing.
 */
export function inOneSnapshot<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  return dataSource.transaction('REPEATABLE READ', async (manager) => {
    await manager.query('SET TRANSACTION READ ONLY');
    return requestSnapshot.run({ manager, savepoints: 0 }, work);
  });
}
