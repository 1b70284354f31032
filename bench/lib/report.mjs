// The targets the numbers are judged against, and the table printed at the end of a run.
import { median } from './stats.mjs';

export const TARGETS = {
  push_latency_ms: { p50: 10, p99: 50, at: '100 msg/s with 10,000 devices' },
  ingest_msgs_per_s: { min: 1500, at: '4 KB messages, stored' },
  idle_conn_bytes: { max: 6144, at: 'the largest socket count' },
  catchup_10k_ms: { max: 1000 },
  eas_push_latency_ms: { p50: 10, p99: 50, at: '100 msg/s with 5,000 parked Pings' },
  eas_parked_ping_bytes: { max: 8192 },
  /** The condition of the latency targets: how busy the machine's cores may be while measured. */
  machine_busy_percent: { max: 70, at: 'all cores, every process, while a latency is measured' },
};

/** A row of how busy the machine was while a latency was measured, against the targets' condition. */
function busyRow(percent) {
  return [
    '  machine busy while measured (%)',
    fmt(percent),
    `< ${TARGETS.machine_busy_percent.max}`,
    percent == null ? '' : percent < TARGETS.machine_busy_percent.max ? 'met' : 'OVER',
    'all cores, every process; the latency targets are stated below it',
  ];
}

function verdict(ok) {
  if (ok === null) return '';
  return ok ? 'met' : 'MISSED';
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined) return '-';
  if (typeof value !== 'number') return String(value);
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/**
 * A row of a latency's p50 / p95 / p99 / max, `what` naming it; judged against the push latency
 * target (p50 ≤ 10, p99 ≤ 50) when `judged`.
 */
function latencyRow(what, stats, conditions, { judged = false } = {}) {
  return [
    `${what} p50 / p95 / p99 / max (ms)`,
    `${fmt(stats.p50)} / ${fmt(stats.p95)} / ${fmt(stats.p99)} / ${fmt(stats.max)}`,
    judged ? 'p50 ≤ 10, p99 ≤ 50' : '',
    judged ? verdict(stats.p50 !== null && stats.p50 <= 10 && stats.p99 <= 50) : '',
    conditions,
  ];
}

export function printTable(results) {
  const rows = [];
  const latency = results.details.pushLatency;
  if (latency) {
    const push = results.push_latency_ms;
    const fetch = results.fetch_latency_ms;
    const achieved = median(latency.runs.map((run) => run.achievedRatePerS));
    const skipped = latency.runs.reduce((total, run) => total + run.counters.skipped, 0);
    const at = `${latency.rate} msg/s offered (${achieved} sent${skipped ? `; ${skipped} skipped, every account busy` : ''}), ${latency.devices.toLocaleString('en-US')} devices`;
    rows.push(latencyRow('push latency', push, at, { judged: true }));
    rows.push(busyRow(results.machine_busy_percent?.push_latency));
    rows.push(latencyRow('fetch latency', fetch, 'to the end of Email/get'));
    const stages = latency.stages;
    if (stages?.smtp250ToChangePublishedMs?.p50 != null) {
      rows.push([
        '  of which 250 → change published p50/p99',
        `${fmt(stages.smtp250ToChangePublishedMs.p50)} / ${fmt(stages.smtp250ToChangePublishedMs.p99)}`,
        '',
        '',
        'ingest → Kafka → mailbox store',
      ]);
      rows.push([
        '  and change published → device p50/p99',
        `${fmt(stages.changePublishedToDeviceMs.p50)} / ${fmt(stages.changePublishedToDeviceMs.p99)}`,
        '',
        '',
        'Kafka → push-delivery → socket',
      ]);
    }
    for (const point of latency.sweep ?? []) {
      rows.push([
        `  at ${point.rate} msg/s: push p50 / p99`,
        `${fmt(point.push_latency_ms.p50)} / ${fmt(point.push_latency_ms.p99)}`,
        '',
        '',
        `fetch p50 ${fmt(point.fetch_latency_ms.p50)}`,
      ]);
    }
  }
  const cpu = results.details.pushLatency?.cpu_ms_per_message;
  if (cpu) {
    rows.push([
      'CPU per message, server side (ms)',
      fmt(cpu.total, 2),
      '',
      '',
      `${Object.entries(cpu)
        .filter(([name, value]) => name !== 'total' && value >= 0.05)
        .map(([name, value]) => `${name} ${fmt(value, 2)}`)
        .join(', ')}`,
    ]);
  }
  const baseline = results.details.baseline;
  if (baseline) {
    const push = baseline.classic.push_latency_ms;
    rows.push(
      latencyRow(
        'classic push',
        push,
        `Postfix ${baseline.versions.postfix} → LMTP → Dovecot ${baseline.versions.dovecot.split(' ')[0]}, ${baseline.clients} IMAP IDLE clients, same load`,
      ),
    );
    rows.push([
      'classic CPU per message (ms)',
      fmt(baseline.classic.cpu_ms_per_message.total, 2),
      '',
      '',
      `postfix ${fmt(baseline.classic.cpu_ms_per_message.postfix, 2)}, dovecot ${fmt(baseline.classic.cpu_ms_per_message.dovecot, 2)}`,
    ]);
    rows.push([
      'classic ingest (stored msg/s)',
      fmt(baseline.classic.ingest?.storedMsgsPerS),
      '',
      '',
      `pushmail ÷ classic ${fmt(baseline.ratios.ingest, 2)}; CPU ${fmt(baseline.classic.ingest?.cpuMsPerStoredMessage, 2)} ms per stored message`,
    ]);
    const ratios = baseline.ratios;
    rows.push([
      'classic ÷ pushmail: push p50 / p99 / CPU',
      `${fmt(ratios.push_p50, 2)} / ${fmt(ratios.push_p99, 2)} / ${fmt(ratios.cpu_ms_per_message, 2)}`,
      '',
      '',
      'same run; above 1, pushmail is ahead',
    ]);
  }
  const ingest = results.details.ingest;
  if (ingest) {
    rows.push([
      `ingest stored, ${Math.round(ingest.small.sizeBytes / 1024)} KB (msg/s)`,
      fmt(ingest.small.storedMsgsPerS),
      '≥ 1,500',
      verdict(ingest.small.storedMsgsPerS === null ? false : ingest.small.storedMsgsPerS >= 1500),
      `accepted ${fmt(ingest.small.acceptedMsgsPerS)} msg/s; steady ${fmt(ingest.small.steadyStoredMsgsPerS)}`,
    ]);
    if (ingest.large)
      rows.push([
        `ingest stored, ${Math.round(ingest.large.sizeBytes / 1024)} KB (msg/s)`,
        fmt(ingest.large.storedMsgsPerS),
        '',
        '',
        `${fmt(ingest.large.storedMiBPerS)} MiB/s`,
      ]);
  }
  const catchup = results.details.catchup;
  if (catchup) {
    rows.push([
      `catch-up of ${catchup.changes.toLocaleString('en-US')} changes (ms)`,
      fmt(catchup.catchupMs),
      '< 1,000',
      verdict(catchup.changes === 10_000 ? catchup.catchupMs < 1000 : null),
      `${catchup.changesCalls} Email/changes calls; with headers ${fmt(catchup.withHeadersMs)} ms`,
    ]);
  }
  const density = results.details.density;
  if (density) {
    rows.push([
      `idle socket memory (bytes/socket)`,
      fmt(density.idle_conn_bytes),
      '≤ 6,144',
      verdict(density.idle_conn_bytes <= 6144),
      `at ${density.connections.toLocaleString('en-US')} sockets, one process; ${fmt(density.marginalBytesPerSocket)} B per added socket; ${fmt(density.connectsPerS)} connects/s`,
    ]);
    rows.push([
      `idle CPU (% of a core)`,
      fmt(density.idleCpuPercentOfOneCore, 2),
      '',
      '',
      `pings every ${density.pingIntervalMs / 1000} s; ${fmt(density.idleCpuWithoutSocketsPercent, 2)} % with no sockets`,
    ]);
    rows.push([
      `fan-out to all sockets (ms)`,
      fmt(density.fanoutAllMs),
      '',
      '',
      `SMTP 250 → last socket; median socket ${fmt(density.fanoutMedianMs)} ms`,
    ]);
  }
  const eas = results.details.eas;
  if (eas) {
    const push = results.eas_push_latency_ms;
    rows.push(
      latencyRow(
        'EAS push latency',
        push,
        `SMTP 250 → Ping answer; ${eas.rate} msg/s offered, ${eas.phones.toLocaleString('en-US')} parked Pings`,
        { judged: true },
      ),
    );
    rows.push(busyRow(results.machine_busy_percent?.eas));
    rows.push([
      'memory per parked Ping (bytes)',
      fmt(eas.parkedPingRssBytes),
      '≤ 8,192',
      verdict(eas.parkedPingRssBytes === null ? null : eas.parkedPingRssBytes <= 8192),
      `gateway RSS after GC; JS heap ${fmt(eas.parkedPingHeapBytes)} B per Ping`,
    ]);
    if (eas.cpu_ms_per_message) {
      const cpu = eas.cpu_ms_per_message;
      rows.push([
        'EAS CPU per message (ms)',
        fmt(cpu.total),
        '',
        '',
        `activesync ${fmt(cpu.activesync)}, mailbox ${fmt(cpu.mailbox)}, PostgreSQL ${fmt(cpu['postgres (bench db)'])}; ` +
          `${fmt(eas.mailboxRequestsPerMessage)} mailbox requests, ${fmt(eas.mailboxMethodCallsPerMessage)} JMAP calls per message`,
      ]);
    }
  }
  const outbound = results.details.outbound;
  if (outbound) {
    const submit = results.submit_to_remote_ms;
    rows.push(
      latencyRow(
        'submit → remote',
        submit,
        `EmailSubmission/set request → sink's end of DATA; ${outbound.rate} msg/s offered by ${outbound.accounts} devices`,
      ),
    );
    rows.push([
      'outbound delivered (msg/s)',
      fmt(outbound.outboundMsgsPerS),
      '',
      '',
      `first to last arrival; lost ${outbound.lost}, duplicates ${outbound.duplicates}`,
    ]);
    rows.push([
      'outbound CPU per message (ms)',
      fmt(outbound.cpu_ms_per_message.outbound, 2),
      '',
      '',
      `mailbox ${fmt(outbound.cpu_ms_per_message.mailbox, 2)}, all server processes ${fmt(outbound.cpu_ms_per_message.total, 2)}`,
    ]);
  }
  const headers = ['metric', 'result (median)', 'target', '', 'conditions'];
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  console.log('');
  console.log(line(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  const machine = results.machine;
  console.log(
    `\n${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.nodeVersion}, Kafka ${machine.kafkaVersion}, PostgreSQL ${machine.postgresVersion}; ${results.repeat} repeat(s), ${results.durationS} s`,
  );
  const others = results.environment.otherProcessesCpuSeconds;
  if (others.length)
    console.log(
      `other processes on the machine meanwhile (CPU s): ${others.map((entry) => `${entry.name} ${entry.cpuSeconds}`).join(', ')}`,
    );
}
