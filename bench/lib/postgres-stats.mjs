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

/**
 * The device trail a scenario wrote: operations' rows (what PostgreSQL inserted) and the events they
 * stand for (a folded record counts its `count`), by kind, in all and per stored message, of the
 * records whose first event came before `read()` was called. `read()` first waits `settleMs` for
 * the runs' last records to be published and inserted: push-delivery holds a device's folds of
 * pushes and heartbeats up to TRAIL_FOLD_MS / TRAIL_HEARTBEAT_FOLD_MS, so the wait is the longer of
 * those when they are set for the run (a fold still open after it is not counted). Null when
 * operations' table is absent.
 */
export async function trailTracker(db, { settleMs = trailSettleMs() } = {}) {
  const { rows } = await db.query(`SELECT to_regclass('operations.device_trail') IS NOT NULL AS present`);
  if (!rows[0]?.present) return null;
  let idBefore = 0;
  let storedBefore = 0;
  return {
    settleMs,
    async start() {
      storedBefore = await countEmails(db);
      const { rows: last } = await db.query(
        'SELECT coalesce(max(id), 0)::bigint AS id FROM operations.device_trail',
      );
      idBefore = Number(last[0].id);
    },
    async read() {
      const until = new Date();
      const stored = (await countEmails(db)) - storedBefore;
      await new Promise((resolveWait) => setTimeout(resolveWait, settleMs));
      const { rows: kinds } = await db.query(
        `SELECT kind, count(*)::bigint AS rows, sum(coalesce((data->>'count')::int, 1))::bigint AS events
           FROM operations.device_trail
          WHERE id > $1 AND coalesce((data->>'firstAt')::timestamptz, at) <= $2
          GROUP BY kind ORDER BY count(*) DESC`,
        [idBefore, until],
      );
      const per = (value) => (stored > 0 ? round(value / stored, 3) : null);
      const byKind = Object.fromEntries(
        kinds.map((row) => [
          row.kind,
          {
            rows: Number(row.rows),
            events: Number(row.events),
            rowsPerStoredMessage: per(Number(row.rows)),
            eventsPerStoredMessage: per(Number(row.events)),
          },
        ]),
      );
      const rowsTotal = kinds.reduce((sum, row) => sum + Number(row.rows), 0);
      const eventsTotal = kinds.reduce((sum, row) => sum + Number(row.events), 0);
      return {
        storedMessages: stored,
        settleMs,
        rows: rowsTotal,
        events: eventsTotal,
        rowsPerStoredMessage: per(rowsTotal),
        eventsPerStoredMessage: per(eventsTotal),
        byKind,
      };
    },
  };
}

/** 3 s after the runs, or the trail's fold windows given to the services (their environment) and 3 s. */
function trailSettleMs() {
  const windows = [process.env.TRAIL_FOLD_MS, process.env.TRAIL_HEARTBEAT_FOLD_MS]
    .map(Number)
    .filter((value) => Number.isFinite(value) && value > 0);
  return 3000 + Math.max(0, ...windows);
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
