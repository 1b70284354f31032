// What the database did during a run: the settings in effect (SHOW ALL, the ones that matter for
// cost) and pg_stat_statements for the bench database, reset before a scenario and read after it.
import { countEmails } from './platform-probes.mjs';

/** The settings in effect on the server, by name: `names` from SHOW ALL. */
export async function readSettings(db, names) {
  const { rows } = await db.query('SHOW ALL');
  const wanted = new Set(names);
  return Object.fromEntries(rows.filter((row) => wanted.has(row.name)).map((row) => [row.name, row.setting]));
}

/**
 * Per-scenario statement statistics. `start()` creates the extension when the server preloads it
 * (null otherwise: a server configured without it is reported, not changed) and resets the counters;
 * `read()` returns the top statements by total time with calls and time per stored message.
 */
export async function statementTracker(db) {
  const { rows } = await db.query(
    `SELECT setting LIKE '%pg_stat_statements%' AS loaded FROM pg_settings WHERE name = 'shared_preload_libraries'`,
  );
  if (!rows[0]?.loaded) return null;
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  let storedBefore = 0;
  return {
    async start() {
      storedBefore = await countEmails(db);
      await db.query('SELECT pg_stat_statements_reset()');
    },
    async read(top = 12) {
      const stored = (await countEmails(db)) - storedBefore;
      const { rows: statements } = await db.query(
        `SELECT query, calls::bigint AS calls, total_exec_time AS total_ms, rows::bigint AS rows,
                shared_blks_hit + shared_blks_read AS blocks
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT LIKE '%pg_stat_statements%'
          ORDER BY total_exec_time DESC`,
      );
      const totalMs = statements.reduce((sum, row) => sum + row.total_ms, 0);
      const totalCalls = statements.reduce((sum, row) => sum + Number(row.calls), 0);
      const per = (value) => (stored > 0 ? round(value / stored, 3) : null);
      return {
        storedMessages: stored,
        statements: statements.length,
        totalExecMs: round(totalMs, 1),
        callsPerStoredMessage: per(totalCalls),
        execMsPerStoredMessage: per(totalMs),
        top: statements.slice(0, top).map((row) => ({
          query: row.query.replace(/\s+/g, ' ').slice(0, 300),
          calls: Number(row.calls),
          totalMs: round(row.total_ms, 1),
          meanMs: round(row.total_ms / Math.max(1, Number(row.calls)), 3),
          rows: Number(row.rows),
          blocksPerCall: round(Number(row.blocks) / Math.max(1, Number(row.calls)), 1),
          callsPerStoredMessage: per(Number(row.calls)),
        })),
      };
    },
  };
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
