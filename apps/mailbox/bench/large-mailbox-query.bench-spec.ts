// What Email/query of one large mailbox costs as the mailbox grows: EXPLAIN (ANALYZE, BUFFERS) of
// the statements before and now. Ordered by receivedAt (ADR 0056): with collapseThreads, before,
// every email of the mailbox read and sorted by thread to keep each thread's first; now, a walk in
// order with a probe of the thread index. Ordered by sentAt, from or subject (ADR 0095): before,
// every email of the mailbox joined to its row and sorted; now, a range of the index of that key in
// email_mailboxes. With an anchor: before, every result numbered; now, the anchor found by its key
// and the results before it counted; queryChanges' added likewise, the results numbered up to the
// last changed one. For the first page, the 1,000th position, an anchor at index 100, the total and
// the indexes of four changed emails (three at the top and the anchor); and, for the record, the
// order by size that no index follows. One account per size, its Inbox in threads of four
// consecutive messages of varied sizes, dates, senders and subjects. Filled by bulk SQL from one
// delivered message. Prints one JSON line per size, query and statement.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs apps/mailbox/bench/large-mailbox-query.bench-spec.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../src/jmap/methods/email.methods.js';
import { type MailboxTestApp, startMailboxApp } from '../src/testing/mailbox-harness.js';
import { analyzeFilled, fastestExplain, seededAccount } from './query-bench.js';

const SIZES = (process.env['BENCH_QUERY_SIZES'] ?? '1000,50000').split(',').map(Number);
const LIMIT = 50;
const COLUMNS =
  'm.email_id AS id, e.thread_id, m.received_at, e.size, e.sort_subject, e.sort_from, e.sort_to, e.sent_at, e.keywords';

interface Query {
  args: (inbox: string) => Record<string, unknown>;
  /** The results before, when they differ from compileQuery's: `$1` the account, `$2` the mailbox. */
  before?: string;
}

const before = (extra: string, order: string, direction: string) =>
  `SELECT DISTINCT ON (e.thread_id) ${COLUMNS}
     FROM mailbox.email_mailboxes AS m JOIN mailbox.emails AS e ON e.id = m.email_id
    WHERE m.account_id = $1 AND e.account_id = $1 AND (m.mailbox_id = $2${extra})
    ORDER BY e.thread_id, ${order.replaceAll('v.', 'e.')}`.replace('__DIR__', direction);

/** The statement before ADR 0095 for an order other than receivedAt, not collapsed. */
const joined = (extra: string) =>
  `SELECT ${COLUMNS}
     FROM mailbox.email_mailboxes AS m JOIN mailbox.emails AS e ON e.id = m.email_id
    WHERE m.account_id = $1 AND e.account_id = $1 AND (m.mailbox_id = $2${extra})`;

const NEWEST = 'v.received_at DESC, v.id ASC';
const OLDEST = 'v.received_at ASC, v.id ASC';

const QUERIES: Record<string, Query & { order: string }> = {
  'inbox, newest first': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, collapseThreads: true }),
    before: before('', NEWEST, 'DESC'),
    order: NEWEST,
  },
  'inbox, oldest first': {
    args: (inbox) => ({
      filter: { inMailbox: inbox },
      collapseThreads: true,
      sort: [{ property: 'receivedAt', isAscending: true }],
    }),
    before: before('', OLDEST, 'ASC'),
    order: OLDEST,
  },
  'inbox and not flagged, newest first': {
    args: (inbox) => ({ filter: { inMailbox: inbox, notKeyword: '$flagged' }, collapseThreads: true }),
    before: before(` AND NOT e.keywords ? '$flagged'`, NEWEST, 'DESC'),
    order: NEWEST,
  },
  'inbox, newest first, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox } }),
    order: NEWEST,
  },
  'inbox and not flagged, newest first, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox, notKeyword: '$flagged' } }),
    order: NEWEST,
  },
  // The orders of email_mailboxes' sort-key indexes (ADR 0095).
  'inbox, latest sent first, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, sort: [{ property: 'sentAt', isAscending: false }] }),
    before: joined(''),
    order: 'v.sent_at DESC NULLS LAST, v.id ASC',
  },
  'inbox and not flagged, latest sent first, not collapsed': {
    args: (inbox) => ({
      filter: { inMailbox: inbox, notKeyword: '$flagged' },
      sort: [{ property: 'sentAt', isAscending: false }],
    }),
    before: joined(` AND NOT e.keywords ? '$flagged'`),
    order: 'v.sent_at DESC NULLS LAST, v.id ASC',
  },
  'inbox by sender, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, sort: [{ property: 'from' }] }),
    before: joined(''),
    order: 'v.sort_from ASC, v.id ASC',
  },
  'inbox by subject, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, sort: [{ property: 'subject' }] }),
    before: joined(''),
    order: 'v.sort_subject ASC, v.id ASC',
  },
  'inbox by subject, Z to A, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, sort: [{ property: 'subject', isAscending: false }] }),
    before: joined(''),
    order: 'v.sort_subject DESC, v.id ASC',
  },
  // An order no index follows, for the record.
  'inbox, largest first, not collapsed': {
    args: (inbox) => ({ filter: { inMailbox: inbox }, sort: [{ property: 'size', isAscending: false }] }),
    order: 'v.size DESC, v.id ASC',
  },
};

describe('Email/query of one large mailbox', () => {
  let mailbox: MailboxTestApp;
  const accounts: Array<{ size: number; accountId: string; inbox: string }> = [];

  beforeAll(async () => {
    mailbox = await startMailboxApp();
    for (const size of SIZES) {
      const { accountId, seed } = await seededAccount(mailbox);
      const { rows } = await mailbox.db.query<{ inbox: string }>(
        `SELECT id AS inbox FROM mailbox.mailboxes WHERE account_id = $1 AND role = 'inbox'`,
        [accountId],
      );
      const { inbox } = rows[0]!;
      // Threads of four consecutive messages, one a second, newest last; one in 20 flagged.
      await mailbox.db.query(
        `INSERT INTO mailbox.emails
         SELECT (jsonb_populate_record(e, jsonb_build_object(
                  'id', 'Mfill' || md5($1 || g), 'delivery_id', 'fill-' || g,
                  'thread_id', 'Tfill' || md5($1 || (g / 4)),
                  'received_at', now() - make_interval(secs => $3::int - g),
                  'size', 1000 + (g * 7919) % 50000, 'sort_subject', 'topic ' || (g / 4) % 997,
                  'sent_at', CASE WHEN g % 50 = 0 THEN NULL
                             ELSE now() - make_interval(secs => $3::int - g + (g * 7919) % 3600) END,
                  'sort_from', 'sender' || (g * 31) % 300 || '@example.com',
                  'keywords', CASE WHEN g % 20 = 0 THEN '{"$flagged": true}'::jsonb ELSE '{}'::jsonb END,
                  'mailbox_ids', jsonb_build_object($2::text, true)))).*
           FROM mailbox.emails AS e, generate_series(1, $3::int - 1) AS g
          WHERE e.id = $1`,
        [seed, inbox, size],
      );
      accounts.push({ size, accountId, inbox });
    }
    await analyzeFilled(mailbox);
    // Seeding 50,000 messages on a loaded machine takes minutes.
  }, 600_000);

  afterAll(async () => {
    await mailbox?.close();
  });

  it('reads a collapsed page and finds an anchor in as many rows whatever the size of the mailbox', async () => {
    const firstPageNow: number[] = [];
    for (const { size, accountId, inbox } of accounts) {
      for (const [name, query] of Object.entries(QUERIES)) {
        const compiled = compileQuery(query.args(inbox), accountId);
        // The old statements over their own results, with their parameters.
        const old = query.before
          ? { visible: query.before, params: [accountId, inbox] }
          : { visible: compiled.visible, params: compiled.params };
        const statements: Record<string, { sql: string; params: unknown[] }> = {};
        for (const position of [0, 1000]) {
          if (query.before) {
            statements[`page at ${position} before`] = {
              sql: `SELECT v.id FROM (${query.before}) AS v ORDER BY ${query.order} OFFSET ${position} LIMIT ${LIMIT}`,
              params: old.params,
            };
          }
          statements[`page at ${position} now`] = {
            sql: compiled.page,
            params: [...compiled.params, position, LIMIT],
          };
        }
        const { rows: listed } = await mailbox.db.query<{ id: string }>(`${compiled.page}`, [
          ...compiled.params,
          100,
          1,
        ]);
        const anchor = listed[0]!.id;
        statements['anchor at 100 before'] = {
          sql: `SELECT idx FROM (SELECT v.id, (row_number() OVER (ORDER BY ${query.order}) - 1)::int AS idx
                  FROM (${old.visible}) AS v) AS ranked WHERE id = $${old.params.length + 1}`,
          params: [...old.params, anchor],
        };
        if (compiled.anchor.count === undefined) {
          // An order that still numbers every result to find the anchor: one statement.
          statements['anchor at 100 now'] = {
            sql: compiled.anchor.find,
            params: [...compiled.params, anchor],
          };
        } else {
          statements['anchor at 100 now: find'] = {
            sql: compiled.anchor.find,
            params: [...compiled.params, anchor],
          };
          const { rows: found } = await mailbox.db.query<{ key: string }>(compiled.anchor.find, [
            ...compiled.params,
            anchor,
          ]);
          statements['anchor at 100 now'] = {
            sql: compiled.anchor.count,
            params: [...compiled.params, anchor, found[0]!.key],
          };
        }
        if (query.before) {
          statements['total before'] = {
            sql: `SELECT count(*)::int AS total FROM (${query.before}) AS v`,
            params: old.params,
          };
        }
        statements['total now'] = { sql: compiled.count, params: compiled.params };
        if (compiled.indexesOf !== undefined) {
          // queryChanges' added: three emails at the top and the anchor at index 100 changed.
          const { rows: top } = await mailbox.db.query<{ id: string }>(compiled.page, [
            ...compiled.params,
            0,
            3,
          ]);
          const changed = [...top.map((row) => row.id), anchor];
          statements['added before'] = {
            sql: `SELECT id, idx FROM (SELECT v.id, (row_number() OVER (ORDER BY ${query.order}) - 1)::int AS idx
                    FROM (${old.visible}) AS v) AS ranked
                   WHERE id = ANY($${old.params.length + 1}::text[]) ORDER BY idx`,
            params: [...old.params, changed],
          };
          statements['added now: find'] = {
            sql: compiled.indexesOf.find,
            params: [...compiled.params, changed],
          };
          const { rows: found } = await mailbox.db.query<{ id: string; key: string }>(
            compiled.indexesOf.find,
            [...compiled.params, changed],
          );
          statements['added now'] = {
            sql: compiled.indexesOf.rank,
            params: [...compiled.params, found.map((row) => row.id), found.at(-1)!.key, found.at(-1)!.id],
          };
        }
        const answers = new Map<string, string>();
        for (const [statement, { sql, params }] of Object.entries(statements)) {
          const answer = JSON.stringify((await mailbox.db.query(sql, params)).rows);
          const kind = statement.replace(/ (before|now)$/, '');
          // Before and now answer alike.
          if (!statement.endsWith(': find')) {
            expect(answer, `${name}: ${statement}`).toBe(answers.get(kind) ?? answer);
            answers.set(kind, answer);
          }
          const { executionMs, rowsRead, blocks, plan } = await fastestExplain(mailbox, sql, params);
          if (statement === 'page at 0 now' && name === 'inbox, newest first') firstPageNow.push(rowsRead);
          console.log(
            JSON.stringify({
              emailsInMailbox: size,
              query: name,
              statement,
              executionMs,
              sharedBlocks: blocks,
              rowsRead,
              plan,
            }),
          );
        }
      }
    }
    // The largest mailbox's first page reads no more than the smallest's (which PostgreSQL may
    // read whole and sort, being small).
    expect(firstPageNow.at(-1)).toBeLessThanOrEqual(firstPageNow[0]!);
  });
});
