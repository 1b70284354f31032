// What the kept counts of Mailbox/get (migration 1796800000000, ADR 0102) save on every read and cost
// on every delivery, for one account whose Inbox holds BENCH_MAILBOX_SIZE messages (50,000; a
// quarter read, four per thread) beside an Archive of a tenth of that: without the migration
// (undone) Mailbox/get counts the account's emails on every read; with it, it reads one row per
// mailbox. In turn, three rounds of each: 50 reads of Mailbox/get with its counts, and 300 single-row
// inserts into the Inbox, each its own transaction as a delivery is (EXPLAIN ANALYZE, the statement's
// time with its triggers). Prints one JSON line per round and one for the medians.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs apps/mailbox/bench/mailbox-counts.bench-spec.ts
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAILBOXES_WITH_COUNTS } from '../src/jmap/methods/mailbox.methods.js';
import { AddMailboxCounts1796800000000 } from '../src/store/migrations/1796800000000-add-mailbox-counts.js';
import { COUNTED_FROM_EMAILS } from '../src/testing/counted-mailboxes.js';
import { type ExplainedWrite, median, migratedBenchDatabase } from './query-bench.js';

const MAILBOX_SIZE = Number(process.env['BENCH_MAILBOX_SIZE'] ?? 50_000);
const READS = 50;
const INSERTS = 300;
const ROUNDS = 3;

describe('the kept counts of Mailbox/get', () => {
  it('reads the counts in the same time whatever the mailbox holds, for a few triggers on each delivery', async () => {
    const { client, migrate, isApplied, undoThrough, close } = await migratedBenchDatabase();
    try {
      const accountId = randomUUID();
      await client.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [accountId]);
      for (const [id, role] of [
        ['Finbox', 'inbox'],
        ['Farchive', 'archive'],
        ['Fsent', 'sent'],
        ['Ftrash', 'trash'],
        ['Fdrafts', 'drafts'],
        ['Fjunk', 'junk'],
      ] as const) {
        await client.query(
          `INSERT INTO mailbox.mailboxes (id, account_id, name, role, created_modseq, updated_modseq)
           VALUES ($1, $2, $1, $3, 1, 1)`,
          [id, accountId, role],
        );
      }
      const fill = (from: number, count: number, mailbox: string) =>
        client.query(
          `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, keywords, received_at,
                  size, sort_from, sort_subject, created_modseq, updated_modseq, blob_id)
           SELECT 'M' || g, $1, 'd' || g, 'T' || (g / 4), jsonb_build_object($4::text, true),
                  CASE WHEN g % 4 = 0 THEN '{"$seen": true}'::jsonb ELSE '{}'::jsonb END,
                  timestamptz '2026-01-01Z' + make_interval(secs => g), 1000, '', '', g, g, 'B' || g
             FROM generate_series($2::int, $2::int + $3::int - 1) AS g`,
          [accountId, from, count, mailbox],
        );
      await fill(1, MAILBOX_SIZE, 'Finbox');
      await fill(MAILBOX_SIZE + 1, Math.round(MAILBOX_SIZE / 10), 'Farchive');

      let next = 2 * MAILBOX_SIZE;
      const samples = {
        'counted on each read': { readMs: [] as number[], insertMs: [] as number[] },
        'kept counts': { readMs: [] as number[], insertMs: [] as number[] },
      };
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const variant of ['counted on each read', 'kept counts'] as const) {
          if (variant === 'counted on each read') {
            await undoThrough(AddMailboxCounts1796800000000);
          } else {
            await migrate();
          }
          expect(await isApplied(AddMailboxCounts1796800000000)).toBe(variant === 'kept counts');
          await client.query('VACUUM ANALYZE mailbox.emails');
          const read = variant === 'kept counts' ? MAILBOXES_WITH_COUNTS : COUNTED_FROM_EMAILS;
          const readMs: number[] = [];
          for (let attempt = 0; attempt < READS; attempt += 1) {
            const { rows } = await client.query<{ 'QUERY PLAN': ExplainedWrite[] }>(
              `EXPLAIN (ANALYZE, FORMAT JSON) ${read}`,
              [accountId, null],
            );
            readMs.push(rows[0]!['QUERY PLAN'][0]!['Execution Time']);
          }
          const insertMs: number[] = [];
          for (let insert = 0; insert < INSERTS; insert += 1) {
            next += 1;
            const { rows } = await client.query<{ 'QUERY PLAN': ExplainedWrite[] }>(
              `EXPLAIN (ANALYZE, FORMAT JSON)
               INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                      sort_from, sort_subject, created_modseq, updated_modseq, blob_id)
               VALUES ($1, $2, $1, $3, '{"Finbox": true}', timestamptz '2026-01-01Z' + make_interval(secs => $4::int),
                       1000, '', '', $4::int, $4::int, 'B' || $4::int)`,
              [`M${next}`, accountId, `T${Math.floor(next / 4)}`, next],
            );
            insertMs.push(rows[0]!['QUERY PLAN'][0]!['Execution Time']);
          }
          const result = {
            round,
            variant,
            readMsMedian: Number(median(readMs).toFixed(3)),
            insertMsMedian: Number(median(insertMs).toFixed(3)),
          };
          console.log(JSON.stringify(result));
          samples[variant].readMs.push(...readMs);
          samples[variant].insertMs.push(...insertMs);
        }
        // The kept counts are the counted ones, the round's inserts included.
        const counted = await client.query(COUNTED_FROM_EMAILS, [accountId, null]);
        expect((await client.query(MAILBOXES_WITH_COUNTS, [accountId, null])).rows).toEqual(counted.rows);
      }
      const medians = Object.fromEntries(
        Object.entries(samples).map(([variant, { readMs, insertMs }]) => [
          variant,
          {
            readMsMedian: Number(median(readMs).toFixed(3)),
            insertMsMedian: Number(median(insertMs).toFixed(3)),
          },
        ]),
      );
      console.log(JSON.stringify({ emailsInInbox: MAILBOX_SIZE, medians }));
    } finally {
      await close();
    }
  });
});
