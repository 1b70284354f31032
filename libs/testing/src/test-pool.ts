import type pg from 'pg';

/**
 * Ends `pool` and resolves once each of its connections is closed, not only taken out of the
 * pool. `pool.end()` resolves as soon as its idle clients are removed, before their connections
 * have closed; a database dropped `WITH (FORCE)` right after terminates those that are still open,
 * and the client, still carrying the pool's idle listener, hands the 57P01 ("terminating connection
 * due to administrator command") to the pool as an `error` event. Await this before the drop.
 */
export async function endPoolFully(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      open -= 1;
      if (open === 0) resolve();
    });
  });
  await pool.end();
  await closed;
}
