// What the store's hot statements cost at a given mailbox size: EXPLAIN (ANALYZE, BUFFERS) of each,
// with the rows every plan node read, and the tables' live and dead tuples and sizes. The
// statements are copies of mailbox's (named in `source`), run for one real account; writes run
// inside a transaction that is rolled back, so the probe leaves nothing behind.

/** Plan nodes that read a relation: the rows they return plus those their filters removed. */
const SCANS = new Set([
  'Seq Scan',
  'Index Scan',
  'Index Only Scan',
  'Bitmap Heap Scan',
  'Bitmap Index Scan',
  'Tid Scan',
]);

/** The plan flattened: one entry per node, with actual rows per loop times loops. */
export function planNodes(plan, depth = 0, nodes = []) {
  const loops = plan['Actual Loops'] ?? 1;
  nodes.push({
    depth,
    node: plan['Node Type'],
    ...(plan['Relation Name'] ? { relation: plan['Relation Name'] } : {}),
    ...(plan['Index Name'] ? { index: plan['Index Name'] } : {}),
    ...(plan['Strategy'] ? { strategy: plan['Strategy'] } : {}),
    planRows: plan['Plan Rows'],
    actualRows: Math.round((plan['Actual Rows'] ?? 0) * loops),
    loops,
    removedByFilter: Math.round(
      ((plan['Rows Removed by Filter'] ?? 0) + (plan['Rows Removed by Index Recheck'] ?? 0)) * loops,
    ),
    ...(plan['Sort Method'] ? { sort: plan['Sort Method'] } : {}),
  });
  for (const child of plan.Plans ?? []) planNodes(child, depth + 1, nodes);
  return nodes;
}

/** One EXPLAIN ANALYZE result, summarised: times, blocks, and rows read by scans. */
export function summarizeExplain(explained) {
  const [root] = explained;
  const nodes = planNodes(root.Plan);
  // A bitmap heap scan reads what its index scans found: count the heap side once.
  const rowsRead = nodes
    .filter((node) => SCANS.has(node.node) && node.node !== 'Bitmap Index Scan')
    .reduce((sum, node) => sum + node.actualRows + node.removedByFilter, 0);
  return {
    executionMs: round(root['Execution Time'], 3),
    planningMs: round(root['Planning Time'] ?? 0, 3),
    rowsReturned: root.Plan['Actual Rows'],
    rowsRead,
    blocks: (root.Plan['Shared Hit Blocks'] ?? 0) + (root.Plan['Shared Read Blocks'] ?? 0),
    plan: nodes,
  };
}

const EMAIL_COPY_COLUMNS = `account_id, mailbox_ids, keywords, received_at, size, subject, "from", "to", cc,
  reply_to, in_reply_to, "references", sent_at, preview, text_body, html_body, has_attachment,
  attachments, blob_id, sender, bcc, sort_subject, sort_from, sort_to`;

/**
 * The thread a new message joins (mailbox's `threadOf` inside INSERT_EMAIL): probes of
 * mailbox.thread_message_ids by the ids the message names and by its own, each email found read by
 * its key. $2 is the new message's Message-ID, $3 the ids it replies to or references.
 */
const THREAD_OF = `SELECT (array_agg(stored.thread_id ORDER BY stored.received_at, stored.id))[1] AS thread_id
   FROM mailbox.thread_message_ids AS known
   JOIN LATERAL (SELECT id, thread_id, received_at, sort_subject FROM mailbox.emails
                  WHERE id = known.email_id OFFSET 0) AS stored ON true
  WHERE known.account_id = $1
    AND ((NOT known.is_reference AND known.message_id = ANY($3::text[]))
         OR (known.is_reference AND known.message_id = $2::text))
    AND ($4::text = '' OR stored.sort_subject = '' OR stored.sort_subject = $4::text)`;

/** The account's newest email's fields, for statements that need a real subject or mailbox. */
async function probeContext(db, accountId) {
  const { rows } = await db.query(
    `SELECT s.modseq::bigint AS modseq, s.published_modseq::bigint AS published,
            (SELECT id FROM mailbox.mailboxes WHERE account_id = $1 AND role = 'inbox') AS inbox,
            (SELECT count(*)::int FROM mailbox.emails WHERE account_id = $1) AS emails,
            e.id AS newest_id, e.sort_subject, e.message_id
       FROM mailbox.account_state AS s
       LEFT JOIN LATERAL (SELECT id, sort_subject, message_id FROM mailbox.emails
                           WHERE account_id = $1 ORDER BY received_at DESC, id LIMIT 1) AS e ON true
      WHERE s.account_id = $1`,
    [accountId],
  );
  if (!rows[0]) throw new Error(`account ${accountId} has no mailbox state`);
  return { ...rows[0], modseq: Number(rows[0].modseq), published: Number(rows[0].published) };
}

/**
 * The probes: each is { name, source, sql, params, write? }. `catchUp` is how many of the account's
 * transactions a catching-up device is behind, `page` how many emails a query page asks for: both
 * the same at every size, so that a probe does the same work on a larger store (see
 * `explainHotStatements`).
 */
function probes(ctx, accountId, { catchUp, page }) {
  const since = Math.max(0, ctx.modseq - catchUp);
  const newMessageId = `probe-${Date.now()}@probe.bench`;
  // One mailbox, newest first, nothing else asked: its rows of email_mailboxes (ADR 0053).
  const visible = `SELECT m.email_id AS id, m.received_at FROM mailbox.email_mailboxes AS m
      WHERE m.account_id = $1 AND (m.mailbox_id = $2)`;
  return [
    {
      name: 'delivery: known deliveries and roles',
      source:
        'the reads of mailbox.lock_for_delivery (migration AddLockForDelivery1796900000000), after its lock',
      sql: `SELECT ARRAY(SELECT delivery_id FROM mailbox.emails
                WHERE account_id = $1 AND delivery_id = ANY($2::text[])) AS known,
              (SELECT json_object_agg(role, id) FROM mailbox.mailboxes WHERE account_id = $1 AND role IS NOT NULL) AS roles`,
      params: [accountId, ['probe-delivery-1', 'probe-delivery-2']],
    },
    {
      name: 'delivery: lock the account',
      source: 'the lock of mailbox.lock_for_delivery (account-write.ts LOCK_ACCOUNT for other writers)',
      sql: `SELECT modseq, email_modseq FROM mailbox.account_state WHERE account_id = $1 FOR UPDATE`,
      params: [accountId],
      write: true,
    },
    {
      name: 'delivery: thread of a new message (custom plan)',
      source: 'email-store.ts threadOf, inside INSERT_EMAIL',
      sql: THREAD_OF,
      params: [accountId, newMessageId, [], ctx.sort_subject ?? ''],
    },
    {
      name: 'delivery: thread of a new message (generic plan)',
      source: 'email-store.ts threadOf, as the named prepared statement runs it after five executions',
      sql: THREAD_OF,
      params: [accountId, newMessageId, [], ctx.sort_subject ?? ''],
      generic: true,
    },
    {
      name: 'delivery: email insert',
      source:
        'email-store.ts INSERT_EMAIL (a copy of the newest email, with its thread looked up and its Message-IDs written)',
      sql: `WITH email AS (
              INSERT INTO mailbox.emails (id, delivery_id, thread_id, message_id, created_modseq, updated_modseq, ${EMAIL_COPY_COLUMNS})
              SELECT 'Mprobe' || md5(random()::text), 'probe-' || md5(random()::text),
                     coalesce((${THREAD_OF.replace('$1', 't.account_id')}), 'Tprobe'), $2, $5::bigint, $5::bigint,
                     ${EMAIL_COPY_COLUMNS.replace(/(^|,\s*)/g, '$1t.')}
                FROM mailbox.emails AS t WHERE t.account_id = $1 AND t.id = $6
              ON CONFLICT (account_id, delivery_id) DO NOTHING RETURNING id, account_id, thread_id
            ), named_ids AS (
              INSERT INTO mailbox.thread_message_ids (account_id, message_id, is_reference, email_id)
              SELECT email.account_id, id.message_id, id.is_reference, email.id
                FROM email, (SELECT $2::text AS message_id, false AS is_reference
                             UNION SELECT unnest($3::text[]), true) AS id
            )
            SELECT id, thread_id FROM email`,
      params: [accountId, newMessageId, [], ctx.sort_subject ?? '', ctx.modseq + 1, ctx.newest_id],
      write: true,
    },
    {
      name: 'delivery: new states and change rows',
      source: 'account-write.ts COMMIT_ACCOUNT_WRITE',
      sql: `WITH state AS (
              UPDATE mailbox.account_state SET modseq = $2, email_modseq = $2, thread_modseq = $2, updated_at = now()
               WHERE account_id = $1)
            INSERT INTO mailbox.changes (account_id, modseq, type, object_id, kind)
            SELECT $1, $2, change.type, change.object_id, change.kind
              FROM unnest($3::text[], $4::text[], $5::text[]) AS change (type, object_id, kind)`,
      params: [
        accountId,
        ctx.modseq + 1,
        ['Email', 'Thread', 'Mailbox'],
        ['Mprobe', 'Tprobe', ctx.inbox ?? 'probe'],
        ['created', 'created', 'updated'],
      ],
      write: true,
    },
    {
      name: 'publish: emails created since the announced state',
      source: 'mailbox-changes.publisher.ts createdSince',
      sql: `SELECT id FROM mailbox.emails
             WHERE account_id = $1 AND created_modseq > $2 AND created_modseq <= $3
             ORDER BY created_modseq, received_at, id LIMIT 256`,
      params: [accountId, Math.max(0, ctx.modseq - 1), ctx.modseq],
    },
    {
      name: 'Email/query: inbox, newest page',
      source: 'email.methods.ts query (compileQuery page)',
      sql: `SELECT v.id FROM (${visible}) AS v ORDER BY v.received_at DESC, v.id ASC OFFSET $3 LIMIT $4`,
      params: [accountId, ctx.inbox ?? 'none', 0, page],
    },
    {
      // A filter of the inbox alone reads its kept total (ADR 0102), not a count of its emails.
      name: 'Email/query: inbox total',
      source: 'email.methods.ts compileQuery count (calculateTotal, a filter of one mailbox alone)',
      sql: `SELECT coalesce((
              SELECT counts.total_emails
                FROM mailbox.mailbox_counts AS counts
                JOIN mailbox.mailboxes AS mailbox ON mailbox.id = counts.mailbox_id
               WHERE mailbox.account_id = $1 AND counts.mailbox_id = $2), 0)::int AS total`,
      params: [accountId, ctx.inbox ?? 'none'],
    },
    {
      name: 'Email/changes: the catch-up page',
      source: 'changes.service.ts changesSince (one statement: a page of rows and one more)',
      sql: `SELECT object_id, kind, modseq FROM mailbox.changes
             WHERE account_id = $1 AND type = $2 AND modseq > $3 AND modseq <= $4
             ORDER BY modseq, object_id
             LIMIT $5`,
      params: [accountId, 'Email', since, ctx.modseq, CATCH_UP_MAX_CHANGES + 1],
    },
    {
      // A JMAP client reads the counts again after each push: every delivery changes the Inbox's.
      name: 'Mailbox/get: every mailbox with its counts',
      source: 'mailbox.methods.ts MAILBOXES_WITH_COUNTS',
      sql: `SELECT mailbox.id, mailbox.name, mailbox.parent_id, mailbox.role, mailbox.sort_order, mailbox.is_subscribed,
                   coalesce(counts.total_emails, 0) AS total_emails, coalesce(counts.unread_emails, 0) AS unread_emails,
                   coalesce(counts.total_threads, 0) AS total_threads, coalesce(counts.unread_threads, 0) AS unread_threads
              FROM mailbox.mailboxes AS mailbox
              LEFT JOIN mailbox.mailbox_counts AS counts ON counts.mailbox_id = mailbox.id
             WHERE mailbox.account_id = $1 AND ($2::text[] IS NULL OR mailbox.id = ANY($2::text[]))
             ORDER BY mailbox.sort_order, mailbox.name`,
      params: [accountId, null],
    },
    {
      name: 'Email/get: the newest email',
      source: 'email.methods.ts get (by ids)',
      sql: `SELECT * FROM mailbox.emails WHERE account_id = $1 AND id = ANY($2::text[])`,
      params: [accountId, [ctx.newest_id ?? 'none']],
    },
  ];
}

async function explain(db, probe) {
  const options = 'ANALYZE, BUFFERS, FORMAT JSON';
  if (probe.write) await db.query('BEGIN');
  try {
    let rows;
    if (probe.generic) {
      await db.query(`SET plan_cache_mode = force_generic_plan`);
      try {
        await db.query(`PREPARE bench_probe AS ${probe.sql}`);
        const literal = probe.params.map((value) => db.escapeLiteral(toLiteral(value)));
        ({ rows } = await db.query(`EXPLAIN (${options}) EXECUTE bench_probe(${literal.join(', ')})`));
      } finally {
        await db.query('DEALLOCATE ALL');
        await db.query('RESET plan_cache_mode');
      }
    } else {
      ({ rows } = await db.query(`EXPLAIN (${options}) ${probe.sql}`, probe.params));
    }
    return summarizeExplain(rows[0]['QUERY PLAN']);
  } finally {
    if (probe.write) await db.query('ROLLBACK');
  }
}

/** A parameter as PostgreSQL's text input: arrays in `{…}` form. */
function toLiteral(value) {
  if (Array.isArray(value))
    return `{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  return String(value);
}

/** The `maxChanges` a catching-up device asks `Email/changes` for (as push-delivery's fetch does). */
const CATCH_UP_MAX_CHANGES = 5000;

/**
 * EXPLAIN ANALYZE of every hot statement for `accountId` (each run `repeat` times, the fastest
 * kept: the first run of a statement reads cold pages and plans).
 *
 * `catchUp` (transactions behind) and `page` (emails per query page) are bounded by what the account
 * holds, and the bounds used are returned: a caller comparing store sizes passes the first size's
 * to the next, because on a near-empty store an account has only a few transactions and emails, and
 * a probe that read 5 rows there and 100 on a larger store would show the work it was given grow,
 * not the store's cost.
 */
export async function explainHotStatements(db, { accountId, catchUp = 100, page = 30, repeat = 3 }) {
  const ctx = await probeContext(db, accountId);
  const bounds = {
    catchUp: Math.max(1, Math.min(catchUp, ctx.modseq)),
    page: Math.max(1, Math.min(page, ctx.emails)),
  };
  const results = {};
  for (const probe of probes(ctx, accountId, bounds)) {
    let best = null;
    try {
      for (let run = 0; run < repeat; run += 1) {
        const result = await explain(db, probe);
        if (!best || result.executionMs < best.executionMs) best = result;
      }
      results[probe.name] = { source: probe.source, ...best };
    } catch (error) {
      results[probe.name] = { source: probe.source, error: String(error?.message ?? error) };
    }
  }
  return {
    accountId,
    accountEmails: ctx.emails,
    accountModseq: ctx.modseq,
    catchUpTransactions: bounds.catchUp,
    queryPage: bounds.page,
    statements: results,
  };
}

/** Live and dead tuples, HOT updates, vacuum counts and sizes of mailbox's tables and their indexes. */
export async function tableStats(db) {
  const { rows: tables } = await db.query(
    `SELECT relname AS table, n_live_tup::bigint AS live, n_dead_tup::bigint AS dead,
            n_tup_ins::bigint AS inserted, n_tup_upd::bigint AS updated, n_tup_hot_upd::bigint AS hot_updated,
            n_tup_del::bigint AS deleted, autovacuum_count::int AS autovacuums, vacuum_count::int AS vacuums,
            autoanalyze_count::int AS autoanalyzes,
            pg_relation_size(relid)::bigint AS table_bytes, pg_indexes_size(relid)::bigint AS index_bytes,
            pg_total_relation_size(relid)::bigint AS total_bytes
       FROM pg_stat_user_tables WHERE schemaname = 'mailbox' ORDER BY relname`,
  );
  const { rows: indexes } = await db.query(
    `SELECT relname AS table, indexrelname AS index, pg_relation_size(indexrelid)::bigint AS bytes,
            idx_scan::bigint AS scans
       FROM pg_stat_user_indexes
      WHERE schemaname = 'mailbox' AND relname IN ('emails', 'email_mailboxes', 'thread_message_ids', 'changes', 'account_state')
      ORDER BY relname, indexrelname`,
  );
  const number = (row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
      ]),
    );
  return {
    tables: Object.fromEntries(tables.map((row) => [row.table, number(row)])),
    indexes: Object.fromEntries(indexes.map((row) => [`${row.table}.${row.index}`, number(row)])),
  };
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
