import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a method's reads in one snapshot, so the state it answers with is the state of the data
 * it returns even while deliveries commit.
 */
export function readSnapshot<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction('REPEATABLE READ', work);
}
