// The thread lookup of a new message (inside mailbox.insert-email) under the generic plan a named
// prepared statement switches to after five executions, at 1,000 and 50,000 messages in one
// account: the lookup before migration 1796500000000 (over mailbox.emails) and after it (over
// mailbox.thread_message_ids), each as EXPLAIN (ANALYZE, BUFFERS) with plan_cache_mode =
// force_generic_plan: rows the plan read from tables, shared buffers, execution time; then the same
// of the whole insert statement (mailbox.insert-email) after it, for a reply and for a message that
// starts a thread, rolled back. Prints one JSON line per size.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs apps/mailbox/bench/thread-lookup.bench-spec.ts
// The account is filled by bulk SQL: threads of five, each message replying to the one before and
// referencing all earlier ones, a second apart.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { newEmail } from '../src/emails/email.js';
import { INSERT_EMAIL, insertEmailValues, threadOf } from '../src/emails/email-store.js';
import { newEmailId, newThreadId } from '../src/ids/random-id.js';
import { partOfType } from '../src/mime/body-structure.js';
import {
  MAILBOX_SCHEMA,
  mailboxDataSourceOptions,
  mailboxMigrations,
} from '../src/store/data-source-options.js';
import { AddThreadMessageIds1796500000000 } from '../src/store/migrations/1796500000000-add-thread-message-ids.js';
import { createMailboxTestDatabase } from '../src/testing/mailbox-harness.js';

const SIZES = (process.env['BENCH_SIZES'] ?? '1000,50000').split(',').map(Number);
const THREAD = 5;

/** mailbox's threadOf as it was before migration 1796500000000: a walk of mailbox.emails. */
const OLD_THREAD_OF = `SELECT thread_id FROM mailbox.emails
   WHERE account_id = $1
     AND (message_id = ANY($3::text[])
          OR ($2::text IS NOT NULL AND (in_reply_to ? $2::text OR "references" ? $2::text)))
     AND ($4::text = '' OR sort_subject = '' OR sort_subject = $4::text)
   ORDER BY received_at, id LIMIT 1`;

const messageId = (n: number) => `m${n}@bench.example`;

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Rows the plan read from tables (returned plus filtered out), the buffers it touched, the scans it ran. */
function summarize(explained: { Plan: PlanNode; 'Execution Time': number }) {
  let rowsRead = 0;
  const scans: string[] = [];
  const walk = (node: PlanNode) => {
    const loops = node['Actual Loops'] ?? 1;
    if (node['Relation Name'] !== undefined) {
      rowsRead += Math.round(
        ((node['Actual Rows'] ?? 0) +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
          loops,
      );
    }
    if (/Scan$/.test(node['Node Type']))
      scans.push(`${node['Node Type']} ${node['Index Name'] ?? node['Relation Name'] ?? ''}`.trim());
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(explained.Plan);
  return {
    rowsRead,
    buffers: (explained.Plan['Shared Hit Blocks'] ?? 0) + (explained.Plan['Shared Read Blocks'] ?? 0),
    executionMs: Number(explained['Execution Time'].toFixed(3)),
    scans,
  };
}

function literal(client: pg.Client, value: unknown): string {
  if (value === null) return 'NULL';
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  if (Array.isArray(value))
    return client.escapeLiteral(
      `{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`,
    );
  return client.escapeLiteral(String(value));
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of `text` prepared with a forced generic plan; the fastest of three
 * runs, each rolled back to a savepoint when `writes` (then the caller holds a transaction open).
 */
async function explainGeneric(client: pg.Client, text: string, values: readonly unknown[], writes = false) {
  await client.query('SET plan_cache_mode = force_generic_plan');
  await client.query(`PREPARE measured AS ${text}`);
  try {
    let best: ReturnType<typeof summarize> | undefined;
    for (let run = 0; run < 3; run += 1) {
      if (writes) await client.query('SAVEPOINT measured');
      const { rows } = await client.query<{
        'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }>;
      }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE measured(${values.map((value) => literal(client, value)).join(', ')})`,
      );
      if (writes) await client.query('ROLLBACK TO SAVEPOINT measured');
      const summary = summarize(rows[0]!['QUERY PLAN'][0]!);
      if (!best || summary.executionMs < best.executionMs) best = summary;
    }
    return best!;
  } finally {
    await client.query('DEALLOCATE measured');
    await client.query('RESET plan_cache_mode');
  }
}

async function fill(client: pg.Client, accountId: string, count: number): Promise<void> {
  await client.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [accountId]);
  await client.query(
    `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
            subject, message_id, in_reply_to, "references", sort_subject, created_modseq, updated_modseq, blob_id)
     SELECT 'M' || g, $1, 'd' || g, 'T' || ((g - 1) / ${THREAD}), '{}', timestamptz '2026-01-01' + make_interval(secs => g),
            100, 'topic ' || ((g - 1) / ${THREAD}), 'm' || g || '@bench.example',
            CASE WHEN (g - 1) % ${THREAD} > 0 THEN jsonb_build_array('m' || (g - 1) || '@bench.example') END,
            CASE WHEN (g - 1) % ${THREAD} > 0 THEN (
              SELECT jsonb_agg('m' || earlier || '@bench.example' ORDER BY earlier)
                FROM generate_series(g - (g - 1) % ${THREAD}, g - 1) AS earlier) END,
            'topic ' || ((g - 1) / ${THREAD}), g, g, 'B' || g
       FROM generate_series(1, $2::int) AS g`,
    [accountId, count],
  );
  await client.query('ANALYZE mailbox.emails');
}

/** The lookups measured: a message that starts a thread, replies to the newest and the oldest message. */
function cases(count: number) {
  const newest = count;
  return {
    newThread: {
      messageId: `fresh-${randomUUID()}@bench.example`,
      referenced: [] as string[],
      subject: 'fresh',
    },
    replyToNewest: {
      messageId: `reply-${randomUUID()}@bench.example`,
      referenced: [messageId(newest)],
      subject: `topic ${Math.floor((newest - 1) / THREAD)}`,
    },
    replyToOldest: {
      messageId: `reply-${randomUUID()}@bench.example`,
      referenced: [messageId(1)],
      subject: 'topic 0',
    },
  };
}

async function measure(count: number) {
  const database = await createMailboxTestDatabase();
  const before = new DataSource({
    ...mailboxDataSourceOptions(database.url),
    migrations: mailboxMigrations.slice(0, -1),
  });
  const client = new pg.Client({ connectionString: database.url });
  try {
    await before.initialize();
    await migrateWithLock(before, MAILBOX_SCHEMA, createLogger('mailbox', 'warn'));
    await client.connect();
    const accountId = randomUUID();
    await fill(client, accountId, count);

    const lookups = cases(count);
    const old: Record<string, unknown> = {};
    for (const [name, lookup] of Object.entries(lookups)) {
      old[name] = await explainGeneric(client, OLD_THREAD_OF, [
        accountId,
        lookup.messageId,
        lookup.referenced,
        lookup.subject,
      ]);
    }

    const runner = before.createQueryRunner();
    const migrationStarted = performance.now();
    try {
      await new AddThreadMessageIds1796500000000().up(runner);
    } finally {
      await runner.release();
    }
    const migrationMs = Math.round(performance.now() - migrationStarted);
    const { rows: table } = await client.query<{ rows: string }>(
      'SELECT count(*) AS rows FROM mailbox.thread_message_ids',
    );

    const current: Record<string, unknown> = {};
    for (const [name, lookup] of Object.entries(lookups)) {
      const compiled = threadOf(accountId, lookup.messageId, lookup.subject, lookup.referenced).compile();
      current[name] = await explainGeneric(client, compiled.sql, compiled.parameters);
    }

    // The whole insert as delivery runs it: a reply, and a message that starts a thread.
    const insert: Record<string, unknown> = {};
    for (const [name, parent] of [
      ['reply', count],
      ['newThread', null],
    ] as const) {
      const stored = { id: newEmailId(), newThread: newThreadId(), accountId, modseq: count + 1 };
      const values = INSERT_EMAIL.parameters(insertEmailValues(benchEmail(name, parent), stored));
      await client.query('BEGIN');
      try {
        insert[name] = await explainGeneric(client, INSERT_EMAIL.text, values, true);
      } finally {
        await client.query('ROLLBACK');
      }
    }

    return {
      accountEmails: count,
      threadMessageIdRows: Number(table[0]!.rows),
      migrationMs,
      before: old,
      after: current,
      insertEmail: insert,
    };
  } finally {
    await client.end();
    await before.destroy();
    await database.drop();
  }
}

/** A reply to message `parent` of the filled account, with the subject of its thread; or a new topic. */
function benchEmail(tag: string, parent: number | null) {
  return newEmail(
    {
      subject: parent === null ? 'fresh' : `Re: topic ${Math.floor((parent - 1) / THREAD)}`,
      from: [{ name: 'Ada', email: 'ada@example.org' }],
      sender: null,
      to: [{ name: null, email: 'bob@example.com' }],
      cc: null,
      bcc: null,
      replyTo: null,
      messageId: `insert-${tag}-${randomUUID()}@bench.example`,
      inReplyTo: parent === null ? null : [messageId(parent)],
      references: parent === null ? null : [messageId(parent)],
      sentAt: null,
      textBody: 'ok',
      htmlBody: null,
      preview: 'ok',
      hasAttachment: false,
      attachments: [],
    },
    {
      deliveryId: `insert-${tag}-${randomUUID()}`,
      blobId: `Binsert${tag}`,
      size: 100,
      receivedAt: new Date('2027-01-01T00:00:00Z'),
      mailboxIds: {},
      keywords: {},
      body: { structure: { ...partOfType('text/plain'), partId: '1', size: 2, subParts: null }, values: {} },
    },
  );
}

describe('thread lookup under a generic plan', () => {
  it.each(SIZES)('at %i messages in one account', async (count) => {
    const result = await measure(count);
    console.log(JSON.stringify(result));
    expect(result.threadMessageIdRows).toBeGreaterThan(count);
  });
});
