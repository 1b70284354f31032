// What the sort-key indexes of email_mailboxes (migration 1796700000000, ADR 0095) cost every
// delivery: one email inserted into a 50,000-message Inbox, EXPLAIN (ANALYZE, FORMAT JSON) of the
// insert, whose trigger writes the email's row of email_mailboxes and its index entries. Without the
// migration (undone), with it (run again), and with it but only the sentAt index kept (the from and
// subject indexes dropped, and built again after), in turn, three rounds each of 300 single-row
// inserts, each its own transaction as a delivery is; the medians of the statement's execution time
// and of the trigger's time, and the size of email_mailboxes and its indexes per row (the first
// round's "without" is the only one without the dropped columns' old values in its pages). Prints one
// JSON line per round and one for the medians.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs apps/mailbox/bench/sort-key-write-cost.bench-spec.ts
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AddEmailMailboxesSortKeys1796700000000 } from '../src/store/migrations/1796700000000-add-email-mailboxes-sort-keys.js';
import { type ExplainedWrite, median, migratedBenchDatabase } from './query-bench.js';

const MAILBOX_SIZE = Number(process.env['BENCH_MAILBOX_SIZE'] ?? 50_000);
const INSERTS = 300;
const ROUNDS = 3;

describe('the sort-key indexes of email_mailboxes, on every delivery', () => {
  it('costs each insert of an email what the trigger and three more index entries take', async () => {
    const { client, migrate, isApplied, undoThrough, close } = await migratedBenchDatabase(
      AddEmailMailboxesSortKeys1796700000000,
    );
    try {
      const accountId = randomUUID();
      await client.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [accountId]);
      await client.query(
        `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                sent_at, sort_from, sort_subject, created_modseq, updated_modseq, blob_id)
         SELECT 'M' || g, $1, 'd' || g, 'T' || (g / 4), '{"Finbox": true}',
                timestamptz '2026-01-01Z' + make_interval(secs => g), 1000 + (g * 7919) % 50000,
                timestamptz '2026-01-01Z' + make_interval(secs => g - (g * 7919) % 3600),
                'sender' || (g * 31) % 300 || '@example.com', 'topic ' || (g / 4) % 997, g, g, 'B' || g
           FROM generate_series(1, $2::int) AS g`,
        [accountId, MAILBOX_SIZE],
      );
      let next = MAILBOX_SIZE;
      const samples: Record<string, { statementMs: number[]; triggerMs: number[]; bytesPerRow: number[] }> = {
        without: { statementMs: [], triggerMs: [], bytesPerRow: [] },
        with: { statementMs: [], triggerMs: [], bytesPerRow: [] },
        'with, sentAt index only': { statementMs: [], triggerMs: [], bytesPerRow: [] },
      };
      const OTHER_INDEXES = {
        email_mailboxes_from_idx: '(account_id, mailbox_id, sort_from, email_id)',
        email_mailboxes_subject_idx: '(account_id, mailbox_id, sort_subject, email_id)',
      };
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const variant of ['without', 'with', 'with, sentAt index only'] as const) {
          if (variant === 'without') {
            await undoThrough(AddEmailMailboxesSortKeys1796700000000);
          } else if (variant === 'with') {
            await migrate();
          } else {
            for (const name of Object.keys(OTHER_INDEXES)) await client.query(`DROP INDEX mailbox.${name}`);
          }
          expect(await isApplied(AddEmailMailboxesSortKeys1796700000000)).toBe(variant !== 'without');
          await client.query('VACUUM ANALYZE mailbox.email_mailboxes');
          const statementMs: number[] = [];
          const triggerMs: number[] = [];
          for (let insert = 0; insert < INSERTS; insert += 1) {
            next += 1;
            const { rows } = await client.query<{ 'QUERY PLAN': ExplainedWrite[] }>(
              `EXPLAIN (ANALYZE, FORMAT JSON)
               INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                      sent_at, sort_from, sort_subject, created_modseq, updated_modseq, blob_id)
               VALUES ($1, $2, $1, $3, '{"Finbox": true}', timestamptz '2026-01-01Z' + make_interval(secs => $4::int),
                       1000 + ($4::int * 7919) % 50000,
                       timestamptz '2026-01-01Z' + make_interval(secs => $4::int - ($4::int * 7919) % 3600),
                       'sender' || ($4::int * 31) % 300 || '@example.com', 'topic ' || ($4::int / 4) % 997,
                       $4::int, $4::int, 'B' || $4::int)`,
              [`M${next}`, accountId, `T${Math.floor(next / 4)}`, next],
            );
            const explained = rows[0]!['QUERY PLAN'][0]!;
            statementMs.push(explained['Execution Time']);
            triggerMs.push(
              (explained.Triggers ?? [])
                .filter((trigger) => trigger['Trigger Name'] === 'emails_sync_mailboxes')
                .reduce((sum, trigger) => sum + trigger.Time, 0),
            );
          }
          const { rows: size } = await client.query<{ bytes_per_row: number }>(
            `SELECT (pg_total_relation_size('mailbox.email_mailboxes') / count(*))::int AS bytes_per_row
               FROM mailbox.email_mailboxes`,
          );
          const result = {
            round,
            variant,
            inserts: INSERTS,
            statementMsMedian: Number(median(statementMs).toFixed(3)),
            triggerMsMedian: Number(median(triggerMs).toFixed(3)),
            emailMailboxesBytesPerRow: size[0]!.bytes_per_row,
          };
          console.log(JSON.stringify(result));
          samples[variant]!.statementMs.push(...statementMs);
          samples[variant]!.triggerMs.push(...triggerMs);
          samples[variant]!.bytesPerRow.push(result.emailMailboxesBytesPerRow);
          if (variant === 'with, sentAt index only') {
            // As the migration left them, so that its down step finds them.
            for (const [name, columns] of Object.entries(OTHER_INDEXES)) {
              await client.query(`CREATE INDEX ${name} ON mailbox.email_mailboxes ${columns}`);
            }
          }
        }
      }
      const summary = Object.fromEntries(
        Object.entries(samples).map(([variant, { statementMs, triggerMs, bytesPerRow }]) => [
          variant,
          {
            statementMsMedian: Number(median(statementMs).toFixed(3)),
            triggerMsMedian: Number(median(triggerMs).toFixed(3)),
            emailMailboxesBytesPerRow: median(bytesPerRow),
          },
        ]),
      );
      console.log(JSON.stringify({ emailsInMailbox: MAILBOX_SIZE, medians: summary }));
      // The trigger ran on every insert, with and without the migration.
      expect(Math.min(...samples['with']!.triggerMs, ...samples['without']!.triggerMs)).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });
});
