// Store scaling: what a message costs as the store grows. The accounts (1,000 in a full run) are
// filled in turn to each size of the whole store (0, 100,000, 500,000 messages); at each size an
// ingest burst measures stored msg/s and CPU per stored message per process, the devices connect
// afresh and the push-latency run measures push and fetch latency and CPU per message, and then
// EXPLAIN ANALYZE of the hot statements, pg_stat_statements over the size's runs, and the
// tables' dead tuples and sizes are read. Filling is a bulk path, not SMTP: each account's first (warm-up) message, stored
// through the real ingest path, is copied with generate_series into rows of the real schema —
// each copy with its own ids, delivery id, thread, Message-ID, arrival time and modseq, the
// Message-IDs it names in mailbox.thread_message_ids, its `created` Email and Thread changes in the
// change log, and the account's counters moved past
// them — as if the account had received that many messages of that size.
import { median } from '../lib/stats.mjs';
import { explainHotStatements, tableStats } from '../lib/store-probes.mjs';
import { cpuMsPerMessage, medianCpu } from './baseline.mjs';
import { runIngest } from './ingest.mjs';
import { runPushLatency } from './push-latency.mjs';

/** Adds `count` copies of the account's first message (see the file comment). */
export async function seedMailbox(db, { accountId, count, tag }) {
  if (count <= 0) return;
  await db.query('BEGIN');
  try {
    const { rows } = await db.query(
      `SELECT modseq FROM mailbox.account_state WHERE account_id = $1 FOR UPDATE`,
      [accountId],
    );
    if (rows.length === 0) throw new Error(`account ${accountId} has no mailbox state yet`);
    const base = Number(rows[0].modseq);
    const inserted = await db.query(
      `WITH template AS (
         SELECT * FROM mailbox.emails WHERE account_id = $1 ORDER BY created_modseq LIMIT 1
       ), copies AS (
         SELECT g,
                'M' || substr(md5(random()::text || $3 || g), 1, 20) AS id,
                'T' || substr(md5(random()::text || $3 || g), 1, 20) AS thread_id
           FROM generate_series(1, $2::int) AS g
       ), stored AS (
         INSERT INTO mailbox.emails (
           id, account_id, delivery_id, thread_id, mailbox_ids, keywords, received_at, size, subject,
           "from", "to", cc, reply_to, message_id, in_reply_to, "references", sent_at, preview,
           text_body, html_body, has_attachment, attachments, created_modseq, updated_modseq, blob_id,
           sender, bcc, sort_subject, sort_from, sort_to)
         SELECT c.id, t.account_id, 'seed-' || $3 || '-' || c.g, c.thread_id, t.mailbox_ids, t.keywords,
                t.received_at - make_interval(secs => $2::int - c.g + 1), t.size, t.subject || ' (seed ' || c.g || ')',
                t."from", t."to", t.cc, t.reply_to, 'seed-' || $3 || '-' || c.g || '@seed.bench',
                t.in_reply_to, t."references", t.sent_at, t.preview, t.text_body, t.html_body,
                t.has_attachment, t.attachments, $4::bigint + c.g, $4::bigint + c.g, t.blob_id,
                t.sender, t.bcc, t.sort_subject, t.sort_from, t.sort_to
           FROM template t CROSS JOIN copies c
         RETURNING id, account_id, thread_id, created_modseq, message_id, in_reply_to, "references"
       ), named_ids AS (
         INSERT INTO mailbox.thread_message_ids (account_id, message_id, is_reference, email_id)
         SELECT DISTINCT s.account_id, named.message_id, named.is_reference, s.id
           FROM stored s CROSS JOIN LATERAL (
             SELECT s.message_id, false
             UNION ALL SELECT ref.id, true FROM jsonb_array_elements_text(coalesce(s.in_reply_to, '[]')) AS ref (id)
             UNION ALL SELECT ref.id, true FROM jsonb_array_elements_text(coalesce(s."references", '[]')) AS ref (id)
           ) AS named (message_id, is_reference)
       )
       INSERT INTO mailbox.changes (account_id, type, modseq, object_id, kind)
       SELECT $1, kind.type, s.created_modseq, CASE kind.type WHEN 'Email' THEN s.id ELSE s.thread_id END, 'created'
         FROM stored s CROSS JOIN (VALUES ('Email'), ('Thread')) AS kind(type)`,
      [accountId, count, tag, base],
    );
    if (inserted.rowCount !== count * 2)
      throw new Error(`seeding ${accountId}: ${inserted.rowCount} change rows for ${count} messages`);
    await db.query(
      `UPDATE mailbox.account_state
          SET modseq = modseq + $2, email_modseq = modseq + $2, thread_modseq = modseq + $2,
              published_modseq = modseq + $2, updated_at = now()
        WHERE account_id = $1`,
      [accountId, count],
    );
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

/**
 * How many messages each account holds for a store of `total` messages: spread evenly, the first
 * `total % accounts` accounts one more.
 */
export function perAccountTargets(total, accounts) {
  const base = Math.floor(total / accounts);
  const extra = total % accounts;
  return Array.from({ length: accounts }, (_, index) => base + (index < extra ? 1 : 0));
}

/** The figures compared between sizes, by where they are in a step. */
const FIGURES = {
  ingest_stored_msgs_per_s: (step) => step.ingest?.storedMsgsPerS,
  ingest_cpu_ms_per_message: (step) => step.ingest?.cpuMsPerMessage?.total,
  ingest_mailbox_cpu_ms_per_message: (step) => step.ingest?.cpuMsPerMessage?.mailbox,
  ingest_postgres_cpu_ms_per_message: (step) => postgresOf(step.ingest?.cpuMsPerMessage),
  push_p50_ms: (step) => step.latency?.push_p50_ms,
  push_p99_ms: (step) => step.latency?.push_p99_ms,
  fetch_p50_ms: (step) => step.latency?.fetch_p50_ms,
  fetch_p99_ms: (step) => step.latency?.fetch_p99_ms,
  store_p50_ms: (step) => step.latency?.store_p50_ms,
  latency_cpu_ms_per_message: (step) => step.latency?.cpuMsPerMessage?.total,
  latency_postgres_cpu_ms_per_message: (step) => postgresOf(step.latency?.cpuMsPerMessage),
  statement_ms_per_stored_message: (step) => step.statements?.execMsPerStoredMessage,
};

function postgresOf(cpu) {
  if (!cpu) return null;
  const parts = [cpu['postgres (bench db)'], cpu['postgres (background)']].filter((value) => value != null);
  return parts.length
    ? round(
        parts.reduce((sum, value) => sum + value, 0),
        2,
      )
    : null;
}

/** Each figure at every size divided by the figure at the first (smallest) size. */
export function ratiosToFirst(steps) {
  const explained = new Set(steps.flatMap((step) => Object.keys(step.explain?.statements ?? {})));
  const figures = {
    ...FIGURES,
    ...Object.fromEntries(
      [...explained].map((name) => [
        `explain ms: ${name}`,
        (step) => step.explain?.statements[name]?.executionMs,
      ]),
    ),
    ...Object.fromEntries(
      [...explained].map((name) => [
        `rows read: ${name}`,
        (step) => step.explain?.statements[name]?.rowsRead,
      ]),
    ),
  };
  const ratios = {};
  for (const [figure, valueOf] of Object.entries(figures)) {
    const first = valueOf(steps[0]);
    ratios[figure] = {
      values: steps.map((step) => valueOf(step) ?? null),
      overFirst: steps.map((step) => {
        const value = valueOf(step);
        return typeof first === 'number' && first > 0 && typeof value === 'number'
          ? round(value / first, 2)
          : null;
      }),
    };
  }
  return ratios;
}

export async function runStoreScaling({
  db,
  platform,
  tracer,
  connectDevices,
  accounts,
  sizes,
  rate,
  duration,
  senders,
  sizeBytes,
  repeat,
  ingest,
  statements,
  serverProcesses,
  sampler,
  beforeMeasuredRun,
  take,
  progress,
}) {
  const steps = [];
  const addresses = accounts.map((account) => account.address);
  for (const size of sizes) {
    const label = `scaling ${size.toLocaleString('en-US')}`;
    progress.start(`${label}: fill ${accounts.length} accounts`, accounts.length);
    const fillStarted = performance.now();
    const targets = perAccountTargets(size, accounts.length);
    let filled = 0;
    let seeded = 0;
    for (const [index, account] of accounts.entries()) {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM mailbox.emails WHERE account_id = $1', [
        account.accountId,
      ]);
      const count = targets[index] - rows[0].n;
      await seedMailbox(db, { accountId: account.accountId, count, tag: `${take(1)}` });
      seeded += Math.max(0, count);
      progress.update(++filled, `${seeded.toLocaleString('en-US')} rows`);
    }
    // What autovacuum would have done after a bulk load: visibility map and planner statistics.
    await db.query('VACUUM (ANALYZE) mailbox.emails, mailbox.changes, mailbox.account_state');
    const fillSeconds = round((performance.now() - fillStarted) / 1000, 1);
    progress.done(`${fillSeconds} s`);
    const afterFill = await tableStats(db);

    await statements?.start();
    // Stored msg/s with no device connected, then push and fetch latency with every device connected.
    await beforeMeasuredRun();
    const ingestRun = await runIngest({
      platform,
      db,
      addresses,
      messages: ingest.messages,
      sizeBytes,
      sessions: ingest.sessions,
      window: ingest.window,
      progress,
      label: `${label}: ingest ${ingest.messages} messages`,
      sampler: sampler(),
      seqStart: take(ingest.messages + 1),
    });
    // Connected after the fill: a device that has followed its account for all its mail starts
    // from the state it reached, as a freshly connected one does here.
    const pool = await connectDevices();
    const measure = (runRate, runDuration, runLabel, runSampler) =>
      runPushLatency({
        tracer,
        platform,
        pool,
        accounts,
        senders,
        sizeBytes,
        progress,
        label: runLabel,
        rate: runRate,
        duration: runDuration,
        seqStart: take(Math.ceil(runRate * runDuration) + 1),
        sampler: runSampler,
      });
    const runs = [];
    try {
      // Unmeasured: the first push and fetch on the new connections.
      await measure(Math.min(accounts.length, 100), 1, `${label}: warm-up`);
      for (let run = 1; run <= repeat; run += 1) {
        await beforeMeasuredRun();
        runs.push(await measure(rate, duration, `${label} ${run}/${repeat}: ${rate} msg/s`, sampler()));
      }
    } finally {
      await pool.close();
    }
    const statementStats = (await statements?.read()) ?? null;
    progress.start(`${label}: EXPLAIN ANALYZE of the hot statements`, null);
    // The same catch-up and page at every size as at the first (smallest), whose account holds the least.
    const first = steps[0]?.explain;
    const explain = await explainHotStatements(db, {
      accountId: accounts[0].accountId,
      ...(first ? { catchUp: first.catchUpTransactions, page: first.queryPage } : {}),
    });
    progress.done();
    const { rows: counted } = await db.query(
      `SELECT (SELECT count(*)::int FROM mailbox.emails) AS emails, (SELECT count(*)::int FROM mailbox.changes) AS changes`,
    );
    steps.push({
      messages: size,
      storedEmails: counted[0].emails,
      changeRows: counted[0].changes,
      messagesPerAccount: Math.round(size / accounts.length),
      fillSeconds,
      ingest: {
        messages: ingestRun.messages,
        storedInDatabase: ingestRun.storedInDatabase,
        storedMsgsPerS: ingestRun.storedMsgsPerS,
        acceptedMsgsPerS: ingestRun.acceptedMsgsPerS,
        steadyStoredMsgsPerS: ingestRun.steadyStoredMsgsPerS,
        smtpAcceptP50Ms: ingestRun.smtp_accept_ms.p50,
        cpuMsPerMessage: cpuMsPerMessage(
          { counters: { accepted: ingestRun.storedInDatabase }, usage: ingestRun.usage },
          serverProcesses,
        ),
        usage: ingestRun.usage,
      },
      latency: {
        push_p50_ms: median(runs.map((run) => run.push_latency_ms.p50)),
        push_p99_ms: median(runs.map((run) => run.push_latency_ms.p99)),
        fetch_p50_ms: median(runs.map((run) => run.fetch_latency_ms.p50)),
        fetch_p99_ms: median(runs.map((run) => run.fetch_latency_ms.p99)),
        store_p50_ms: median(runs.map((run) => run.stages?.smtp250ToChangePublishedMs?.p50 ?? null)),
        cpuMsPerMessage: medianCpu(runs.map((run) => cpuMsPerMessage(run, serverProcesses))),
        achievedRatePerS: median(runs.map((run) => run.achievedRatePerS)),
        timedOut: runs.reduce((total, run) => total + run.counters.timedOut, 0),
        runs: runs.map((run) => ({ ...run, usage: undefined })),
      },
      statements: statementStats,
      explain,
      tables: { afterFill, afterRuns: await tableStats(db) },
    });
  }
  return {
    accounts: accounts.length,
    devicesPerAccount: accounts[0]?.devices.length ?? 0,
    rate,
    durationS: duration,
    messageBytes: sizeBytes,
    ingest,
    sizes,
    fill: 'bulk: copies of each account’s first stored message through the real schema (emails, changes, account_state), then VACUUM ANALYZE; size 0 holds only each account’s warm-up message',
    postgresTime:
      'CPU of the PostgreSQL processes (bench db backends plus background workers); statement time from pg_stat_statements per size',
    steps,
    ratiosToFirst: ratiosToFirst(steps),
  };
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
