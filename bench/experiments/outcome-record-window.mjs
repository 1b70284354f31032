// The part of outbound's duplicate window that is its own, for a batch of outcomes whose replies
// arrive together, under two ways of recording them, alternated on the same server so both see the
// same load: "coalesced" (`--connections` of their own, 2 by default; outcomes that arrive while both are busy go
// in the next statement, as OutcomeRecorder does) and "parallel" (one connection per outcome in
// flight, each its own statement, leaving the flushes to Postgres's group commit). Each outcome's
// window is from its hand-over to its commit answered. Prints p50/p90 per way.
//   node bench/experiments/outcome-record-window.mjs [--rounds 40] [--batch 10] [--spread-ms 3] [--connections 2] \
//     [--database-url postgres://postgres@127.0.0.1:5432/postgres]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    batch: { type: 'string', default: '10' },
    'spread-ms': { type: 'string', default: '3' },
    connections: { type: 'string', default: '2' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const SPREAD_MS = Number(values['spread-ms']);
/** The coalescing recorder's connections (OutcomeRecorder has 2). */
const CONNECTIONS = Number(values.connections);

const RECORD = `
  WITH outcome AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS outcome (id bigint, status text, reply text)
  ), changed AS (
    UPDATE outcome_probe.deliveries AS delivery SET status = outcome.status, reply = outcome.reply,
           updated_at = now()
      FROM outcome WHERE delivery.id = outcome.id
  )
  INSERT INTO outcome_probe.outbox (event)
  SELECT entry.value FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS entry (value, position)
   ORDER BY entry.position`;

const admin = new pg.Client({ connectionString: values['database-url'] });
await admin.connect();
const name = `outcome_probe_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(values['database-url']);
url.pathname = `/${name}`;
const setup = new pg.Client({ connectionString: url.toString() });
await setup.connect();
await setup.query(`CREATE SCHEMA outcome_probe`);
await setup.query(
  `CREATE TABLE outcome_probe.deliveries (id bigserial PRIMARY KEY, status text, reply text, updated_at timestamptz)`,
);
await setup.query(`CREATE TABLE outcome_probe.outbox (id bigserial PRIMARY KEY, event jsonb)`);
await setup.query(
  `INSERT INTO outcome_probe.deliveries (status) SELECT 'queued' FROM generate_series(1, $1)`,
  [ROUNDS * BATCH * 2],
);

function statement(ids) {
  return {
    name: 'record-outcomes',
    text: RECORD,
    values: [
      JSON.stringify(ids.map((id) => ({ id, status: 'delivered', reply: '250 2.0.0 queued' }))),
      JSON.stringify(ids.map((id) => ({ deliveryId: id, delivered: 'yes' }))),
    ],
  };
}

/** Two connections; what arrives while both are busy goes in the next statement. */
function coalesced(pool, connections) {
  const waiting = [];
  let writing = 0;
  const write = () => {
    const batch = waiting.splice(0);
    writing += 1;
    pool
      .query(statement(batch.map((entry) => entry.id)))
      .then(() => batch.forEach((entry) => entry.resolve()))
      .finally(() => {
        writing -= 1;
        if (waiting.length > 0 && writing < connections) write();
      });
  };
  return (id) =>
    new Promise((resolve) => {
      waiting.push({ id, resolve });
      if (writing < connections) write();
    });
}

/** One statement per outcome, each on a connection of its own. */
function parallel(pool) {
  return (id) => pool.query(statement([id])).then(() => undefined);
}

const ways = {
  coalesced: {
    pool: new pg.Pool({ connectionString: url.toString(), max: CONNECTIONS, idleTimeoutMillis: 0 }),
  },
  parallel: { pool: new pg.Pool({ connectionString: url.toString(), max: BATCH, idleTimeoutMillis: 0 }) },
};
ways.coalesced.record = coalesced(ways.coalesced.pool, CONNECTIONS);
ways.parallel.record = parallel(ways.parallel.pool);
for (const way of Object.values(ways)) {
  way.windows = [];
  // Open every connection first, as the recorder does at start.
  const clients = await Promise.all(Array.from({ length: way.pool.options.max }, () => way.pool.connect()));
  clients.forEach((client) => client.release());
}

let next = 1;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [label, way] of round % 2 === 0 ? Object.entries(ways) : Object.entries(ways).reverse()) {
    const arrivals = Array.from({ length: BATCH }, (_, index) => (index * SPREAD_MS) / BATCH);
    await Promise.all(
      arrivals.map(async (at) => {
        await sleep(at);
        const id = next++;
        const started = performance.now();
        await way.record(id);
        way.windows.push(performance.now() - started);
      }),
    );
    void label;
    await sleep(50);
  }
}

const at = (sorted, fraction) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
for (const [label, way] of Object.entries(ways)) {
  const sorted = [...way.windows].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(9)} ${sorted.length} outcomes: window p50 ${at(sorted, 0.5).toFixed(1)} ms, p90 ${at(sorted, 0.9).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms`,
  );
  await way.pool.end();
}
await setup.end();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
