// What the query benchmarks here share: an account seeded with one delivered message, whose row
// their bulk SQL copies into a mailbox of the size measured, and EXPLAIN (ANALYZE, BUFFERS) read as
// the store probes read it.
import { randomUUID } from 'node:crypto';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import pg from 'pg';
import { DataSource } from 'typeorm';
// The store probes' EXPLAIN summary, so both read plans alike; bench/ is not an Nx project.
// @ts-expect-error: a plain ES module of the bench, without types
// eslint-disable-next-line @nx/enforce-module-boundaries
import { summarizeExplain } from '../../../bench/lib/store-probes.mjs';
import { mailArrivedEvent, rawMessage } from '../src/testing/mail-fixtures.js';
import {
  MAILBOX_SCHEMA,
  mailboxDataSourceOptions,
  mailboxMigrations,
} from '../src/store/data-source-options.js';
import { createMailboxTestDatabase, type MailboxTestApp } from '../src/testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../src/usecases/store-delivery/store-delivery.usecase.js';

/** A new account with one message delivered to it: the account and the message's email id. */
export async function seededAccount(mailbox: MailboxTestApp): Promise<{ accountId: string; seed: string }> {
  const accountId = randomUUID();
  const stored = await mailbox.app
    .get(StoreDeliveryUseCase)
    .execute([mailArrivedEvent(accountId, rawMessage({ subject: 'seed' }))]);
  return { accountId, seed: stored.changes[0]!.createdEmailIds[0]! };
}

/** Fresh statistics after a bulk fill, so that the plans measured are the ones a settled store gets. */
export async function analyzeFilled(mailbox: MailboxTestApp): Promise<void> {
  await mailbox.db.query('VACUUM ANALYZE mailbox.emails');
  await mailbox.db.query('VACUUM ANALYZE mailbox.email_mailboxes');
}

interface PlanLine {
  depth: number;
  node: string;
  relation?: string;
  index?: string;
  actualRows: number;
}

export interface ExplainedStatement {
  executionMs: number;
  /** Shared buffers the statement touched. */
  blocks: number;
  rowsRead: number;
  /** One line per plan node, indented by its depth: the node, its index or table, its rows. */
  plan: string[];
}

/**
 * The fastest of `runs` EXPLAIN (ANALYZE, BUFFERS) of `sql` (the first runs read cold pages and
 * plan).
 */
export async function fastestExplain(
  mailbox: MailboxTestApp,
  sql: string,
  params: unknown[],
  runs = 5,
): Promise<ExplainedStatement> {
  let best: { executionMs: number; rowsRead: number; blocks: number; plan: PlanLine[] } | undefined;
  for (let run = 0; run < runs; run += 1) {
    const { rows } = await mailbox.db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
    const summary = summarizeExplain(rows[0]['QUERY PLAN']);
    if (!best || summary.executionMs < best.executionMs) best = summary;
  }
  const { executionMs, blocks, rowsRead, plan } = best!;
  return {
    executionMs,
    blocks,
    rowsRead,
    plan: plan.map(
      (node) =>
        `${' '.repeat(node.depth)}${node.node}${node.index ? ` ${node.index}` : node.relation ? ` ${node.relation}` : ''} (${node.actualRows})`,
    ),
  };
}

/**
 * A new database with the migrations of mailbox run (up to `through`, when given: a benchmark of one
 * migration measures without the ones after it), for a benchmark that undoes and runs one again: its
 * data source, a plain client for the statements measured, and how to drop it all.
 */
export async function migratedBenchDatabase(through?: { name: string }): Promise<{
  dataSource: DataSource;
  client: pg.Client;
  /** Runs the migrations not run yet, as the service does when it starts. */
  migrate(): Promise<void>;
  isApplied(migration: { name: string }): Promise<boolean>;
  /** Undoes the newest migrations until `migration` is no longer applied. */
  undoThrough(migration: { name: string }): Promise<void>;
  close(): Promise<void>;
}> {
  const database = await createMailboxTestDatabase();
  const last = through ? mailboxMigrations.findIndex((migration) => migration.name === through.name) : -1;
  const dataSource = new DataSource({
    ...mailboxDataSourceOptions(database.url),
    ...(last >= 0 ? { migrations: mailboxMigrations.slice(0, last + 1) } : {}),
  });
  await dataSource.initialize();
  const logger = createLogger('mailbox', 'warn');
  const migrate = () => migrateWithLock(dataSource, MAILBOX_SCHEMA, logger);
  await migrate();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const isApplied = async ({ name }: { name: string }) =>
    (await client.query(`SELECT 1 FROM mailbox.migrations WHERE name = $1`, [name])).rowCount === 1;
  return {
    dataSource,
    client,
    migrate,
    isApplied,
    undoThrough: async (migration) => {
      while (await isApplied(migration)) await dataSource.undoLastMigration({ transaction: 'each' });
    },
    close: async () => {
      await client.end();
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** The middle of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The part of an EXPLAIN (ANALYZE, FORMAT JSON) result the write benchmarks read. */
export interface ExplainedWrite {
  'Execution Time': number;
  Triggers?: Array<{ 'Trigger Name': string; Time: number }>;
}
