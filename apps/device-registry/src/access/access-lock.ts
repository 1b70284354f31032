import type { EntityManager } from 'typeorm';

const ACCESS_CONFIGURATION_LOCK = 'registry:access-configuration';

/**
 * Serialises changes to the access configuration (exclusive) against decisions made with it
 * (shared), for the rest of the transaction: a device registering while a rule is added is decided
 * either before the rule (and then re-evaluated by it) or after it. Taken before any account lock.
 */
export async function lockAccessConfiguration(
  manager: EntityManager,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await manager.query(`SELECT ${fn}(hashtextextended($1, 0))`, [ACCESS_CONFIGURATION_LOCK]);
}
