import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { rowsRead } from '../../testing/plan-rows.js';
import { expectNumberedWindows } from '../../testing/query-windows.js';
import { largeAccount } from '../../testing/seeded-account.js';
import { compileQuery, EmailMethods } from '../methods/email.methods.js';

/** Large enough that reading the whole mailbox cannot pass for reading a page. */
const MAILBOX_SIZE = 20_000;
const PAGE = 50;

/**
 * Email/query of one mailbox sorted by sentAt, from or subject reads a range of the index of
 * email_mailboxes in that order (ADR 0095), and answers what numbering every result in the RFC's
 * order would: ties broken by id, a missing sentAt first ascending and last descending, pages,
 * positions, anchors, totals, and queryChanges' added emails at their indexes.
 */
describe(EmailMethods.name, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();
  let inbox: string;
  /** Another mailbox of the account, holding one in ten emails. */
  let other: string;

  const one = (name: string, args: Record<string, unknown>) => harness.jmapMethod(accountId, name, args);

  // Each with the ORDER BY over the emails table that says what the RFC asks, ties broken by id.
  const SORTS = [
    {
      name: 'latest sent first',
      sort: [{ property: 'sentAt', isAscending: false }],
      order: 'sent_at DESC NULLS LAST, id',
    },
    { name: 'earliest sent first', sort: [{ property: 'sentAt' }], order: 'sent_at ASC NULLS FIRST, id' },
    { name: 'by sender', sort: [{ property: 'from' }], order: 'sort_from ASC, id' },
    {
      name: 'by sender, Z to A',
      sort: [{ property: 'from', isAscending: false }],
      order: 'sort_from DESC, id',
    },
    { name: 'by subject', sort: [{ property: 'subject' }], order: 'sort_subject ASC, id' },
    {
      name: 'by subject, Z to A',
      sort: [{ property: 'subject', isAscending: false }],
      order: 'sort_subject DESC, id',
    },
  ];
  const QUERIES = [true, false].flatMap((flaggedToo) =>
    SORTS.map((sort) => ({ ...sort, flaggedToo, name: `${sort.name}${flaggedToo ? '' : ', not flagged'}` })),
  );
  type Query = (typeof QUERIES)[number];

  const argsOf = (query: Query) => ({
    filter: query.flaggedToo ? { inMailbox: inbox } : { inMailbox: inbox, notKeyword: '$flagged' },
    sort: query.sort,
  });
  const expectedOf = async (query: Query): Promise<string[]> => {
    const { rows } = await harness.db.query<{ id: string }>(
      `SELECT id FROM mailbox.emails
        WHERE account_id = $1 AND mailbox_ids ? $2 ${query.flaggedToo ? '' : `AND NOT keywords ? '$flagged'`}
        ORDER BY ${query.order}`,
      [accountId, inbox],
    );
    return rows.map((row) => row.id);
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    // Many ties in every key: two messages a sent second, one in 40 without a Date, 37 senders,
    // 97 subjects; one in seven flagged; one in ten in another mailbox only (the inbox is $4, the
    // archive $5).
    const roles = await largeAccount(harness, accountId, {
      size: MAILBOX_SIZE,
      fields: `
          'id', 'Ms' || md5($1 || g), 'delivery_id', 's-' || g, 'thread_id', 'Ts' || (g / 4),
          'received_at', timestamptz '2026-01-01Z' + make_interval(secs => g),
          'sent_at', CASE WHEN g % 40 = 0 THEN NULL
                     ELSE timestamptz '2026-01-01Z' + make_interval(secs => (g * 7919) % $3::int / 2) END,
          'sort_from', 'sender' || (g * 31) % 37 || '@example.com',
          'sort_subject', 'topic ' || (g / 4) % 97,
          'keywords', CASE WHEN g % 7 = 0 THEN '{"$flagged": true}'::jsonb ELSE '{}'::jsonb END,
          'mailbox_ids', CASE WHEN g % 10 = 0 THEN jsonb_build_object($5::text, true)
                         ELSE jsonb_build_object($4::text, true) END`,
      params: (byRole) => [byRole['inbox'], byRole['archive']],
    });
    inbox = roles['inbox']!;
    other = roles['archive']!;
  }, 300_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('answers what numbering every result would: pages, positions, anchors and totals', async () => {
    await expectNumberedWindows(
      QUERIES,
      expectedOf,
      (query, window) => one('Email/query', { ...argsOf(query), calculateTotal: true, ...window }),
      PAGE,
    );
  });

  /**
   * Descending, the index holds a key's ties in the opposite order of ids: a page in a tie reads
   * the whole tie to sort it (and parallel workers read ahead of it). The largest tie of the key.
   */
  const largestTie = async (query: Query): Promise<number> => {
    if ((query.sort[0] as { isAscending?: boolean }).isAscending !== false) return 0;
    const column = query.order.split(' ')[0]!;
    const { rows } = await harness.db.query<{ tie: number }>(
      `SELECT max(n)::int AS tie FROM (SELECT count(*) AS n FROM mailbox.emails
        WHERE account_id = $1 AND mailbox_ids ? $2 AND ${column} IS NOT NULL GROUP BY ${column}) AS ties`,
      [accountId, inbox],
    );
    return rows[0]!.tie;
  };

  it('reads a page and finds an anchor near the top in rows of the page, not of the mailbox', async () => {
    for (const query of QUERIES) {
      const compiled = compileQuery(argsOf(query), accountId);
      expect(
        await rowsRead(harness.db, compiled.page, [...compiled.params, 0, PAGE]),
        query.name,
      ).toBeLessThanOrEqual(MAILBOX_SIZE / 10 + 2 * (await largestTie(query)));
      const anchor = (await expectedOf(query))[100]!;
      const { rows } = await harness.db.query<{ key: string }>(compiled.anchor.find, [
        ...compiled.params,
        anchor,
      ]);
      expect(rows, query.name).toHaveLength(1);
      // Numbering every result to find one reads the whole mailbox, twice with the join.
      expect(
        await rowsRead(harness.db, compiled.anchor.find, [...compiled.params, anchor]),
        query.name,
      ).toBeLessThanOrEqual(MAILBOX_SIZE / 20);
      expect(
        await rowsRead(harness.db, compiled.anchor.count!, [...compiled.params, anchor, rows[0]!.key]),
        query.name,
      ).toBeLessThanOrEqual(MAILBOX_SIZE / 20 + 2 * (await largestTie(query)));
    }
  });

  it('answers anchorNotFound for an email that is not a result', async () => {
    const { rows } = await harness.db.query<{ flagged: string; elsewhere: string }>(
      `SELECT (SELECT id FROM mailbox.emails WHERE account_id = $1 AND keywords ? '$flagged'
                 AND mailbox_ids ? $2 LIMIT 1) AS flagged,
              (SELECT id FROM mailbox.emails WHERE account_id = $1 AND NOT mailbox_ids ? $2 LIMIT 1) AS elsewhere`,
      [accountId, inbox],
    );
    for (const query of QUERIES) {
      const anchors = query.flaggedToo ? [rows[0]!.elsewhere] : [rows[0]!.flagged, rows[0]!.elsewhere];
      for (const anchor of [...anchors, 'Mnothing']) {
        const [[name, answer]] = (await harness.jmap(accountId, [
          ['Email/query', { accountId, ...argsOf(query), anchor }, 'q'],
        ])) as unknown as [[string, Record<string, unknown>]];
        expect([name, answer['type']], `${query.name}: ${anchor}`).toEqual(['error', 'anchorNotFound']);
      }
    }
  });

  it('places the emails changed since a state at their indexes, reading up to the last of them', async () => {
    for (const query of QUERIES) {
      const before = await expectedOf(query);
      const { queryState } = await one('Email/query', { ...argsOf(query), limit: 1 });
      const elsewhere = (
        await harness.db.query<{ id: string }>(
          `SELECT id FROM mailbox.emails WHERE account_id = $1 AND NOT mailbox_ids ? $2 LIMIT 1`,
          [accountId, inbox],
        )
      ).rows[0]!.id;
      // Read near the top, one flagged (which leaves the results without the flagged), one read
      // elsewhere; and one moved out of the mailbox.
      const updated = await one('Email/set', {
        update: {
          [before[2]!]: { 'keywords/$seen': true },
          [before[40]!]: { 'keywords/$seen': true },
          [before[7]!]: { 'keywords/$flagged': true },
          [elsewhere]: { 'keywords/$seen': true },
          [before[60]!]: { mailboxIds: { [other]: true } },
        },
      });
      expect(Object.keys(updated['updated'] as object), query.name).toHaveLength(5);
      const after = await expectedOf(query);
      const changes = await one('Email/queryChanges', {
        ...argsOf(query),
        sinceQueryState: queryState,
        calculateTotal: true,
      });
      const removed = new Set(changes['removed'] as string[]);
      const applied = before.filter((id) => !removed.has(id));
      const added = changes['added'] as Array<{ id: string; index: number }>;
      for (const { id, index } of added) applied.splice(index, 0, id);
      expect(applied, query.name).toEqual(after);
      expect(changes['total'], query.name).toBe(after.length);
      expect(
        added.map((each) => each.id),
        query.name,
      ).toEqual(after.filter((id) => removed.has(id)));

      const compiled = compileQuery(argsOf(query), accountId);
      const ids = [...removed];
      const { rows: found } = await harness.db.query<{ id: string; key: string }>(compiled.indexesOf!.find, [
        ...compiled.params,
        ids,
      ]);
      const read =
        (await rowsRead(harness.db, compiled.indexesOf!.find, [...compiled.params, ids])) +
        (await rowsRead(harness.db, compiled.indexesOf!.rank, [
          ...compiled.params,
          found.map((row) => row.id),
          found.at(-1)!.key,
          found.at(-1)!.id,
        ]));
      // Numbering every result reads the whole mailbox.
      expect(read, query.name).toBeLessThanOrEqual(MAILBOX_SIZE / 10 + 2 * (await largestTie(query)));
    }
  });
});
