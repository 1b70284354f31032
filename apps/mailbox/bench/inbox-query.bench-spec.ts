// What Email/query of one mailbox, newest first, costs as the mailbox grows (ADR 0053): EXPLAIN
// (ANALYZE, BUFFERS) of the statement before email_mailboxes (every email of the mailbox numbered,
// then the page cut), of the same page without the numbering over `emails` alone (the cheapest
// change without a new table), and of the statement compileQuery writes now; the same for the
// total (calculateTotal). For one account whose Inbox holds about 1,000 messages and one whose
// Inbox holds about 50,000, each with an Archive of a fifth as many (dates interleaved) and a
// folder of its 200 oldest. Filled by bulk SQL from one delivered message. Prints one JSON line
// per account, mailbox, position and statement.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs apps/mailbox/bench/inbox-query.bench-spec.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../src/jmap/methods/email.methods.js';
import { type MailboxTestApp, startMailboxApp } from '../src/testing/mailbox-harness.js';
import { analyzeFilled, fastestExplain, seededAccount } from './query-bench.js';

const SIZES = (process.env['BENCH_INBOX_SIZES'] ?? '1000,50000').split(',').map(Number);
const LIMIT = 50;
const COLUMNS =
  'e.id, e.thread_id, e.received_at, e.size, e.sort_subject, e.sort_from, e.sort_to, e.sent_at, e.keywords';
const IN_MAILBOX = `e.account_id = $1 AND e.mailbox_ids @> jsonb_build_object($2::text, true)`;
const BEFORE = `SELECT ${COLUMNS} FROM mailbox.emails AS e WHERE ${IN_MAILBOX}`;

interface Statement {
  /** `$1` the account, `$2` the mailbox, and for pages `$3` the position. */
  sql: (accountId: string, mailboxId: string) => string;
  page: boolean;
}

const STATEMENTS: Record<string, Statement> = {
  'page before: every email numbered, then the page': {
    page: true,
    sql: () =>
      `SELECT id FROM (SELECT v.id, (row_number() OVER (ORDER BY v.received_at DESC, v.id ASC) - 1)::int AS idx
         FROM (${BEFORE}) AS v) AS ranked ORDER BY idx OFFSET $3 LIMIT ${LIMIT}`,
  },
  'page over emails alone (no numbering, no new table)': {
    page: true,
    sql: () =>
      `SELECT v.id FROM (${BEFORE}) AS v ORDER BY v.received_at DESC, v.id ASC OFFSET $3 LIMIT ${LIMIT}`,
  },
  'page now: email_mailboxes': {
    page: true,
    sql: (accountId, mailboxId) =>
      compileQuery({ filter: { inMailbox: mailboxId } }, accountId).page.replace(/\$4\b/, `${LIMIT}`),
  },
  'total before': { page: false, sql: () => `SELECT count(*)::int AS total FROM (${BEFORE}) AS v` },
  'total now': {
    page: false,
    sql: (accountId, mailboxId) =>
      `SELECT count(*)::int AS total FROM (${compileQuery({ filter: { inMailbox: mailboxId } }, accountId).visible}) AS v`,
  },
};

describe('Email/query of one mailbox, newest first', () => {
  let mailbox: MailboxTestApp;
  const accounts: Array<{ accountId: string; mailboxes: Record<string, string> }> = [];

  beforeAll(async () => {
    mailbox = await startMailboxApp();
    for (const size of SIZES) {
      const { accountId, seed } = await seededAccount(mailbox);
      const { rows } = await mailbox.db.query<{ inbox: string; archive: string }>(
        `SELECT max(id) FILTER (WHERE role = 'inbox') AS inbox, max(id) FILTER (WHERE role = 'archive') AS archive
           FROM mailbox.mailboxes WHERE account_id = $1`,
        [accountId],
      );
      const { inbox, archive } = rows[0]!;
      const created = await mailbox.jmapMethod(accountId, 'Mailbox/set', {
        create: { r: { name: 'Receipts' } },
      });
      const receipts = (created['created'] as Record<string, { id: string }>)['r']!.id;
      // The 200 oldest in Receipts, then every sixth message in the Archive and the others in the
      // Inbox; one a second, newest last.
      await mailbox.db.query(
        `INSERT INTO mailbox.emails
         SELECT (jsonb_populate_record(e, jsonb_build_object(
                  'id', 'Mfill' || md5($1 || g), 'delivery_id', 'fill-' || g, 'thread_id', 'Tfill' || md5($1 || g),
                  'received_at', now() - make_interval(secs => $4::int * 6 / 5 - g),
                  'mailbox_ids', jsonb_build_object(
                    CASE WHEN g <= 200 THEN $5 WHEN g % 6 = 0 THEN $3 ELSE $2 END, true)))).*
           FROM mailbox.emails AS e, generate_series(1, $4::int * 6 / 5 + 200) AS g
          WHERE e.id = $1`,
        [seed, inbox, archive, size, receipts],
      );
      accounts.push({ accountId, mailboxes: { inbox, archive, receipts } });
    }
    await analyzeFilled(mailbox);
  });

  afterAll(async () => {
    await mailbox?.close();
  });

  it('reads a page of a mailbox in as many rows whatever the size of the mailbox', async () => {
    const costOfNow: number[] = [];
    for (const { accountId, mailboxes } of accounts) {
      for (const [role, mailboxId] of Object.entries(mailboxes)) {
        const { rows: counted } = await mailbox.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM mailbox.emails WHERE account_id = $1 AND mailbox_ids ? $2`,
          [accountId, mailboxId],
        );
        for (const position of role === 'inbox' ? [0, 1000] : [0]) {
          const answers = new Map<boolean, string>();
          for (const [name, statement] of Object.entries(STATEMENTS)) {
            if (!statement.page && position > 0) continue;
            const sql = statement.sql(accountId, mailboxId);
            const params = statement.page ? [accountId, mailboxId, position] : [accountId, mailboxId];
            const answer = JSON.stringify((await mailbox.db.query(sql, params)).rows);
            // Every statement of a kind gives the same answer.
            expect(answer, name).toBe(answers.get(statement.page) ?? answer);
            answers.set(statement.page, answer);
            const { executionMs, rowsRead, blocks, plan } = await fastestExplain(mailbox, sql, params);
            if (name === 'page now: email_mailboxes' && position === 0) costOfNow.push(blocks);
            console.log(
              JSON.stringify({
                mailbox: role,
                emailsInMailbox: counted[0]!.n,
                position,
                limit: LIMIT,
                statement: name,
                executionMs,
                sharedBlocks: blocks,
                rowsRead,
                plan,
              }),
            );
          }
        }
      }
    }
    // Within a few index pages of each other: the page's cost does not follow the mailbox's size.
    expect(Math.max(...costOfNow)).toBeLessThan(Math.min(...costOfNow) + 10);
  });
});
