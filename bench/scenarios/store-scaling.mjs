// Store scaling: what a message costs as mailboxes grow. A few accounts are filled to each size in
// turn (1,000, 10,000, … stored messages per account); at each size their devices connect afresh
// and the push-latency run measures push and fetch latency and the CPU per message of mailbox and
// PostgreSQL. Filling is a bulk path, not SMTP: each account's first (warm-up) message, stored
// through the real ingest path, is copied with generate_series into rows of the real schema —
// each copy with its own ids, delivery id, thread, Message-ID, arrival time and modseq, its
// `created` Email and Thread changes in the change log, and the account's counters moved past
// them — as if the account had received that many messages of that size.
import { median } from '../lib/stats.mjs';
import { cpuMsPerMessage } from './baseline.mjs';
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
         RETURNING id, thread_id, created_modseq
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

/** Least-squares slope of y against log10(x): how much y moves per tenfold mailbox. */
function slopePerTenfold(points) {
  const present = points.filter(([, y]) => typeof y === 'number' && Number.isFinite(y));
  if (present.length < 2) return null;
  const xs = present.map(([x]) => Math.log10(x));
  const ys = present.map(([, y]) => y);
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  const numerator = xs.reduce((sum, x, index) => sum + (x - mx) * (ys[index] - my), 0);
  const denominator = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return denominator === 0 ? null : round(numerator / denominator, 3);
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
  serverProcesses,
  sampler,
  beforeMeasuredRun,
  take,
  progress,
}) {
  const steps = [];
  for (const size of sizes) {
    progress.start(
      `scaling: fill ${accounts.length} accounts to ${size.toLocaleString('en-US')} messages`,
      accounts.length,
    );
    const fillStarted = performance.now();
    let filled = 0;
    for (const account of accounts) {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM mailbox.emails WHERE account_id = $1', [
        account.accountId,
      ]);
      await seedMailbox(db, { accountId: account.accountId, count: size - rows[0].n, tag: `${take(1)}` });
      progress.update(++filled);
    }
    // What autovacuum would have done after a bulk load: visibility map and planner statistics.
    await db.query('VACUUM (ANALYZE) mailbox.emails, mailbox.changes, mailbox.account_state');
    const fillSeconds = round((performance.now() - fillStarted) / 1000, 1);
    progress.done(`${fillSeconds} s`);
    // Connected after the fill: a device that has followed its account for 100,000 messages
    // starts from the state it reached, as a freshly connected one does here.
    const pool = await connectDevices();
    const measure = (runRate, runDuration, label, runSampler) =>
      runPushLatency({
        tracer,
        platform,
        pool,
        accounts,
        senders,
        sizeBytes,
        progress,
        label,
        rate: runRate,
        duration: runDuration,
        seqStart: take(Math.ceil(runRate * runDuration) + 1),
        sampler: runSampler,
      });
    const step = `scaling ${size.toLocaleString('en-US')}/account`;
    const runs = [];
    try {
      // Unmeasured: one message per account, its first push and fetch on the new connections.
      await measure(accounts.length, 1, `${step}: warm-up`);
      for (let run = 1; run <= repeat; run += 1) {
        await beforeMeasuredRun();
        runs.push(await measure(rate, duration, `${step} ${run}/${repeat}: ${rate} msg/s`, sampler()));
      }
    } finally {
      await pool.close();
    }
    const cpu = runs.map((run) => cpuMsPerMessage(run, serverProcesses));
    const pick = (field) => median(cpu.map((entry) => entry[field]));
    steps.push({
      messagesPerAccount: size,
      fillSeconds,
      push_p50_ms: median(runs.map((run) => run.push_latency_ms.p50)),
      push_p99_ms: median(runs.map((run) => run.push_latency_ms.p99)),
      fetch_p50_ms: median(runs.map((run) => run.fetch_latency_ms.p50)),
      fetch_p99_ms: median(runs.map((run) => run.fetch_latency_ms.p99)),
      store_p50_ms: median(runs.map((run) => run.stages?.smtp250ToChangePublishedMs?.p50 ?? null)),
      mailbox_cpu_ms_per_message: pick('mailbox'),
      postgres_cpu_ms_per_message: round(pick('postgres (bench db)') + pick('postgres (background)'), 2),
      total_cpu_ms_per_message: pick('total'),
      achievedRatePerS: median(runs.map((run) => run.achievedRatePerS)),
      timedOut: runs.reduce((total, run) => total + run.counters.timedOut, 0),
    });
  }
  const metrics = [
    'push_p50_ms',
    'push_p99_ms',
    'fetch_p50_ms',
    'fetch_p99_ms',
    'store_p50_ms',
    'mailbox_cpu_ms_per_message',
    'postgres_cpu_ms_per_message',
    'total_cpu_ms_per_message',
  ];
  const first = steps[0];
  const last = steps.at(-1);
  return {
    accounts: accounts.length,
    devicesPerAccount: accounts[0]?.devices.length ?? 0,
    rate,
    durationS: duration,
    messageBytes: sizeBytes,
    fill: 'bulk: copies of each account’s first stored message through the real schema (emails, changes, account_state), then VACUUM ANALYZE',
    postgresTime:
      'CPU of the PostgreSQL processes (the server has no pg_stat_statements); bench db backends plus background workers',
    steps,
    slopePerTenfold: Object.fromEntries(
      metrics.map((metric) => [
        metric,
        slopePerTenfold(steps.map((step) => [step.messagesPerAccount, step[metric]])),
      ]),
    ),
    lastOverFirst: Object.fromEntries(
      metrics.map((metric) => [
        metric,
        first?.[metric] && last?.[metric] != null ? round(last[metric] / first[metric], 2) : null,
      ]),
    ),
  };
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
