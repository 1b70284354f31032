import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { rowsRead } from '../../testing/plan-rows.js';
import { expectNumberedWindows } from '../../testing/query-windows.js';
import { largeAccount, seedAccount } from '../../testing/seeded-account.js';
import { compileQuery, EmailMethods } from '../methods/email.methods.js';

/** Large enough that reading the whole mailbox cannot pass for reading a page. */
const MAILBOX_SIZE = 20_000;
const PAGE = 50;

interface Row {
  id: string;
  thread_id: string;
  flagged: boolean;
}

/** Each thread once, as its first email in the list's order (RFC 8621 §4.4.3 collapseThreads). */
function collapsed(rows: Row[]): string[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.thread_id) && seen.add(row.thread_id)).map((row) => row.id);
}

/**
 * Email/query of one large mailbox ordered by receivedAt reads rows in proportion to the page or
 * the anchor's position, not to the mailbox, and answers what numbering every result would. With
 * collapseThreads it walks the mailbox in order and keeps each thread's first result by a probe of
 * the thread index of email_mailboxes (ADR 0056); an anchor's index is a count of the results
 * before it.
 */
describe(EmailMethods.name, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();
  let inbox: string;

  const one = (name: string, args: Record<string, unknown>) => harness.jmapMethod(accountId, name, args);

  /** The mailbox in a plain order, as PostgreSQL orders it: the collapsing is the test's own. */
  const listed = async (order: string, flaggedToo: boolean): Promise<Row[]> => {
    const { rows } = await harness.db.query<Row>(
      `SELECT id, thread_id, keywords ? '$flagged' AS flagged FROM mailbox.emails
        WHERE account_id = $1 AND mailbox_ids ? $2 ORDER BY ${order}`,
      [accountId, inbox],
    );
    return flaggedToo ? rows : rows.filter((row) => !row.flagged);
  };

  const ORDERS = [
    { name: 'newest first', sort: undefined, order: 'received_at DESC, id', flaggedToo: true },
    {
      name: 'oldest first',
      sort: [{ property: 'receivedAt', isAscending: true }],
      order: 'received_at ASC, id',
      flaggedToo: true,
    },
    { name: 'not flagged, newest first', sort: undefined, order: 'received_at DESC, id', flaggedToo: false },
  ];
  const QUERIES = [true, false].flatMap((collapseThreads) =>
    ORDERS.map((order) => ({
      ...order,
      collapseThreads,
      name: `${order.name}${collapseThreads ? ', threads collapsed' : ''}`,
    })),
  );
  const argsOf = (query: (typeof QUERIES)[number]) => ({
    filter: query.flaggedToo ? { inMailbox: inbox } : { inMailbox: inbox, notKeyword: '$flagged' },
    collapseThreads: query.collapseThreads,
    ...(query.sort ? { sort: query.sort } : {}),
  });
  const expectedOf = async (query: (typeof QUERIES)[number]): Promise<string[]> => {
    const rows = await listed(query.order, query.flaggedToo);
    return query.collapseThreads ? collapsed(rows) : rows.map((row) => row.id);
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    // Threads of four consecutive messages and threads of three spread across the whole mailbox;
    // two messages a second, so the id breaks ties; one in seven flagged.
    const roles = await largeAccount(harness, accountId, {
      size: MAILBOX_SIZE,
      fields: `
          'id', 'Mq' || md5($1 || g), 'delivery_id', 'q-' || g,
          'thread_id', CASE WHEN g % 2 = 0 THEN 'Tnear' || (g / 8) ELSE 'Tfar' || (g % ($3::int / 6)) END,
          'received_at', timestamptz '2026-01-01Z' + make_interval(secs => g / 2),
          'keywords', CASE WHEN g % 7 = 0 THEN '{"$flagged": true}'::jsonb ELSE '{}'::jsonb END`,
    });
    inbox = roles['inbox']!;
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('reads a collapsed page of a large mailbox in rows of the page, not of the mailbox', async () => {
    for (const query of QUERIES.filter((each) => each.collapseThreads)) {
      const compiled = compileQuery(argsOf(query), accountId);
      const read = await rowsRead(harness.db, compiled.page, [...compiled.params, 0, PAGE]);
      // About two rows a thread walked and one probe each (400 to 600 measured); keeping each
      // thread's first by reading and sorting the mailbox reads it all, twice with the join.
      expect(read, query.name).toBeLessThanOrEqual(MAILBOX_SIZE / 10);
    }
  });

  it('finds the index of an anchor near the top in rows before it, not in the mailbox', async () => {
    for (const query of QUERIES) {
      const anchor = (await expectedOf(query))[100]!;
      const compiled = compileQuery(argsOf(query), accountId);
      let read = await rowsRead(harness.db, compiled.anchor.find, [...compiled.params, anchor]);
      if (compiled.anchor.count !== undefined) {
        const { rows } = await harness.db.query<{ key: string }>(compiled.anchor.find, [
          ...compiled.params,
          anchor,
        ]);
        read += await rowsRead(harness.db, compiled.anchor.count, [...compiled.params, anchor, rows[0]!.key]);
      }
      // Numbering every result to find one reads the whole mailbox.
      expect(read, query.name).toBeLessThanOrEqual(MAILBOX_SIZE / 10);
    }
  });

  it('answers what collapsing every result would: pages, positions, anchors and totals', async () => {
    await expectNumberedWindows(
      QUERIES,
      expectedOf,
      (query, window) => one('Email/query', { ...argsOf(query), calculateTotal: true, ...window }),
      PAGE,
    );
  });

  it("counts one mailbox's results from its kept counts, in rows that do not grow with the mailbox", async () => {
    for (const collapseThreads of [false, true]) {
      const args = { filter: { inMailbox: inbox }, collapseThreads };
      const compiled = compileQuery(args, accountId);
      // Counting the results reads every one (20,000); the kept counts are one row and its mailbox.
      expect(await rowsRead(harness.db, compiled.count, compiled.params)).toBeLessThanOrEqual(4);
      const rows = await listed('received_at DESC, id', true);
      const expected = collapseThreads ? collapsed(rows) : rows.map((row) => row.id);
      const answer = await one('Email/query', { ...args, calculateTotal: true, limit: 1 });
      expect(answer['total']).toBe(expected.length);
    }
  });

  it("counts another account's mailbox as empty", async () => {
    const other = randomUUID();
    await seedAccount(harness, other, 'elsewhere');
    for (const collapseThreads of [false, true]) {
      const answer = await harness.jmapMethod(other, 'Email/query', {
        filter: { inMailbox: inbox },
        collapseThreads,
        calculateTotal: true,
      });
      expect(answer).toMatchObject({ ids: [], total: 0 });
    }
  });

  it('answers anchorNotFound for an email that is not a result', async () => {
    const { rows } = await harness.db.query<{ id: string }>(
      `SELECT id FROM mailbox.emails WHERE account_id = $1 AND keywords ? '$flagged' LIMIT 1`,
      [accountId],
    );
    const flagged = rows[0]!.id;
    const notFlagged = QUERIES.filter((query) => !query.flaggedToo);
    expect(notFlagged).toHaveLength(2);
    /** The method's answer: its name and, for an error, its type. */
    const answered = async (args: Record<string, unknown>): Promise<unknown[]> => {
      const [[name, answer]] = (await harness.jmap(accountId, [
        ['Email/query', { accountId, ...args }, 'q'],
      ])) as unknown as [[string, Record<string, unknown>]];
      return [name, answer['type']];
    };
    for (const query of notFlagged) {
      expect(await answered({ ...argsOf(query), anchor: flagged }), query.name).toEqual([
        'error',
        'anchorNotFound',
      ]);
    }
    // Nor an id that names no email, nor one of a thread's later emails when collapsed.
    const collapsedQuery = QUERIES.find((query) => query.collapseThreads && query.flaggedToo)!;
    const firsts = new Set(await expectedOf(collapsedQuery));
    const later = (await listed(collapsedQuery.order, true)).find((row) => !firsts.has(row.id))!.id;
    for (const anchor of ['Mnothing', later]) {
      expect(await answered({ ...argsOf(collapsedQuery), anchor }), anchor).toEqual([
        'error',
        'anchorNotFound',
      ]);
    }
  });
});
