// The classic-stack baseline: the push-latency scenario, unchanged (same load generator, same
// messages, same accounts, devices, rate and duration), run right after pushmail's against
// Postfix → LMTP → Dovecot with IMAP clients in IDLE, then the ingest scenario's load (no clients
// connected, as in pushmail's ingest run) until Dovecot has stored every accepted message, so both
// are measured within minutes of each other on the same machine. Latency ratios are classic ÷
// pushmail and the ingest ratio pushmail ÷ classic: above 1, pushmail is ahead.
import { startClassicStack, CLASSIC_PASSWORD } from '../lib/classic-stack.mjs';
import { ImapIdlePool } from '../lib/imap-idle-pool.mjs';
import { TreeSampler } from '../lib/procstat.mjs';
import { median, medianOfSummaries } from '../lib/stats.mjs';
import { runIngest } from './ingest.mjs';
import { runPushLatency } from './push-latency.mjs';

/** CPU milliseconds per accepted message of each named process group of a run, and their total. */
export function cpuMsPerMessage(run, names) {
  const accepted = run.counters.accepted;
  const perProcess = {};
  let total = 0;
  for (const name of names) {
    const seconds = run.usage?.processes[name]?.cpuSeconds ?? 0;
    perProcess[name] = accepted ? round((seconds * 1000) / accepted, 2) : null;
    total += seconds;
  }
  return { ...perProcess, total: accepted ? round((total * 1000) / accepted, 2) : null };
}

/** Field by field median of cpuMsPerMessage results. */
export function medianCpu(perRun) {
  const names = Object.keys(perRun[0] ?? {});
  return Object.fromEntries(names.map((name) => [name, median(perRun.map((entry) => entry[name]))]));
}

export async function runClassicBaseline({
  accounts,
  ports,
  domain,
  rate,
  duration,
  senders,
  sizeBytes,
  repeat,
  localAddresses,
  progress,
  log,
  take,
  ingest,
  pushmail,
}) {
  const [smtpPort, lmtpPort, imapPort] = ports;
  progress.start('baseline: Postfix + Dovecot', null);
  const devices = accounts.flatMap((account) =>
    account.devices.map((_device, index) => ({
      address: account.address,
      accountId: account.accountId,
      fetch: index < account.fetchers,
    })),
  );
  const stack = await startClassicStack({
    smtpPort,
    lmtpPort,
    imapPort,
    domain,
    clients: devices.length,
    log,
  });
  progress.done(`smtp ${smtpPort}, lmtp ${lmtpPort}, imap ${imapPort}`);
  let pool;
  try {
    progress.start(`baseline: ${devices.length} IMAP clients in IDLE`, devices.length);
    const connected = await ImapIdlePool.connect({
      ...stack.imap,
      password: CLASSIC_PASSWORD,
      devices,
      localAddresses,
      onProgress: (count, failed) => progress.update(count, failed ? `${failed} failed` : ''),
    });
    pool = connected.pool;
    progress.done(`${connected.connected} in IDLE`);
    if (connected.failed > 0)
      throw new Error(`${connected.failed} IMAP clients could not log in: ${connected.errors.join('; ')}`);
    const sampler = () =>
      new TreeSampler({ postfix: () => stack.pids().slice(0, 1), dovecot: () => stack.pids().slice(1) });
    const measure = (runRate, runDuration, label) =>
      runPushLatency({
        platform: { smtp: stack.smtp },
        pool,
        accounts,
        rate: runRate,
        duration: runDuration,
        senders,
        sizeBytes,
        progress,
        label,
        seqStart: take(Math.ceil(runRate * runDuration) + 1),
        sampler: sampler(),
      });
    // Unmeasured: every mailbox gets its first message (Maildir folders, index files) as pushmail's warm-up does.
    await measure(Math.min(rate, accounts.length), 1, 'baseline: warm-up');
    const runs = [];
    for (let run = 1; run <= repeat; run += 1) {
      runs.push(await measure(rate, duration, `baseline ${run}/${repeat}: ${rate} msg/s`));
    }
    const classicCpu = medianCpu(runs.map((run) => cpuMsPerMessage(run, ['postfix', 'dovecot'])));
    await pool.close();
    pool = null;
    const ingestRuns = [];
    for (let run = 1; run <= repeat; run += 1) {
      ingestRuns.push(
        await runIngest({
          platform: { smtp: stack.smtp },
          addresses: ingest.addresses,
          messages: ingest.messages,
          sizeBytes,
          sessions: ingest.sessions,
          window: ingest.window,
          progress,
          label: `baseline ingest ${run}/${repeat}`,
          sampler: sampler(),
          seqStart: take(ingest.messages + 1),
          storedCount: stack.deliveredCount,
        }),
      );
    }
    const classic = {
      push_latency_ms: medianOfSummaries(runs.map((run) => run.push_latency_ms)),
      fetch_latency_ms: medianOfSummaries(runs.map((run) => run.fetch_latency_ms)),
      cpu_ms_per_message: classicCpu,
      achievedRatePerS: median(runs.map((run) => run.achievedRatePerS)),
      runs: runs.map((run) => ({
        push_latency_ms: run.push_latency_ms,
        fetch_latency_ms: run.fetch_latency_ms,
        achievedRatePerS: run.achievedRatePerS,
        counters: run.counters,
        usage: run.usage,
      })),
      clientErrors: connected.pool.errors.slice(0, 5),
      ingest: {
        messages: ingest.messages,
        sessions: ingest.sessions,
        storedCountedBy: "files in Dovecot's Maildirs (new/ and cur/)",
        storedMsgsPerS: median(ingestRuns.map((run) => run.storedMsgsPerS)),
        acceptedMsgsPerS: median(ingestRuns.map((run) => run.acceptedMsgsPerS)),
        cpuMsPerStoredMessage: median(ingestRuns.map(cpuPerStored)),
        runs: ingestRuns,
      },
    };
    const ratio = (a, b) => (a === null || b === null || !b ? null : round(a / b, 2));
    return {
      stack:
        'Postfix → LMTP → Dovecot (Maildir), IMAP IDLE; fetching clients UID FETCH subject, sender, date and preview',
      versions: stack.versions,
      clients: devices.length,
      accounts: accounts.length,
      rate,
      durationS: duration,
      messageBytes: sizeBytes,
      classic,
      pushmail,
      ratios: {
        note: 'classic ÷ pushmail, medians of the same run: above 1, pushmail is ahead',
        push_p50: ratio(classic.push_latency_ms.p50, pushmail.push_latency_ms.p50),
        push_p99: ratio(classic.push_latency_ms.p99, pushmail.push_latency_ms.p99),
        fetch_p50: ratio(classic.fetch_latency_ms.p50, pushmail.fetch_latency_ms.p50),
        cpu_ms_per_message: ratio(classic.cpu_ms_per_message.total, pushmail.cpu_ms_per_message.total),
        ingest: ratio(pushmail.ingest_msgs_per_s, classic.ingest.storedMsgsPerS),
        ingest_note: 'ingest is pushmail ÷ classic stored msg/s: above 1, pushmail is ahead',
      },
    };
  } finally {
    await pool?.close();
    await stack.stop();
  }
}

/** CPU milliseconds of Postfix and Dovecot per message stored in an ingest run. */
function cpuPerStored(run) {
  const seconds = ['postfix', 'dovecot'].reduce(
    (sum, name) => sum + (run.usage?.processes[name]?.cpuSeconds ?? 0),
    0,
  );
  return run.storedInDatabase ? round((seconds * 1000) / run.storedInDatabase, 2) : null;
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
