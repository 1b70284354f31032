// `npm run bench:compare -- <git-rev> [--rounds N] [-- <bench flags>]`: the benchmark run back to
// back against another revision and this checkout, alternately (old, new, old, new, …), on the
// same machine within the same hour, so the day's machine drifts out of the comparison. The other
// revision is checked out into a temporary worktree, given this checkout's installed packages
// (its own libraries linked in their place) and built; each side then runs `bench/run.mjs` with
// the same flags. Prints and writes (bench/results/compare-<rev>[-<tag>].json, never over an
// earlier file) every run's figures, the median of each side and the ratio new ÷ old per metric.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { median } from './lib/stats.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HELP = `npm run bench:compare -- <git-rev> [--rounds N] [--keep] [--tag NAME] [-- <flags for npm run bench>]

  <git-rev>      the revision to compare this checkout with (built in a temporary worktree)
  --rounds N     old/new pairs, run alternately (default 2: old, new, old, new)
  --keep         leave the temporary worktree (and its build) in place
  --tag NAME     write bench/results/compare-<rev>-NAME.json (letters, digits and dashes)
  bench flags    passed to both sides unchanged (default: --quick --only latency,ingest)
`;

const separator = process.argv.indexOf('--');
const ownArgs = separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
const benchArgs = separator < 0 ? ['--quick', '--only', 'latency,ingest'] : process.argv.slice(separator + 1);
const { values, positionals } = parseArgs({
  args: ownArgs,
  options: {
    rounds: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    tag: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length !== 1) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 2);
}
if (values.tag !== undefined && !/^[a-z0-9][a-z0-9-]{0,60}$/i.test(values.tag))
  throw new Error(`--tag takes letters, digits and dashes, not ${JSON.stringify(values.tag)}`);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be a whole number ≥ 1, not ${values.rounds}`);

const git = (args, cwd = repoRoot) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const oldSha = git(['rev-parse', '--verify', `${positionals[0]}^{commit}`]);
const newSha = git(['rev-parse', 'HEAD']);
const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
const log = (message) => console.log(`[compare] ${message}`);

/** Every figure compared, read from a run's results: [name, value]. */
const METRICS = {
  push_p50_ms: (r) => r.push_latency_ms?.p50,
  push_p99_ms: (r) => r.push_latency_ms?.p99,
  fetch_p50_ms: (r) => r.fetch_latency_ms?.p50,
  fetch_p99_ms: (r) => r.fetch_latency_ms?.p99,
  // How busy the machine was while each side measured: a ratio of latencies means little when
  // this differs between the sides.
  latency_machine_busy_percent: (r) => r.machine_busy_percent?.push_latency,
  latency_sent_msgs_per_s: (r) =>
    median((r.details?.pushLatency?.runs ?? []).map((run) => run.achievedRatePerS)),
  latency_server_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r),
  // The same, of the processes that use most of it, so that a change shows where it saved.
  latency_mailbox_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'mailbox'),
  latency_ingest_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'ingest'),
  latency_push_delivery_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'push-delivery'),
  latency_kafka_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'kafka'),
  latency_postgres_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'postgres (bench db)'),
  latency_operations_cpu_ms_per_message: (r) => serverCpuMsPerMessage(r, 'operations'),
  latency_statements_per_stored_message: (r) => r.details?.pushLatency?.statements?.callsPerStoredMessage,
  latency_trail_rows_per_stored_message: (r) => r.details?.pushLatency?.trail?.rowsPerStoredMessage,
  submit_to_remote_p50_ms: (r) => r.submit_to_remote_ms?.p50,
  submit_to_remote_p99_ms: (r) => r.submit_to_remote_ms?.p99,
  outbound_msgs_per_s: (r) => r.outbound_msgs_per_s,
  ingest_stored_msgs_per_s: (r) => r.ingest_msgs_per_s,
  ingest_accepted_msgs_per_s: (r) => r.ingest_accepted_msgs_per_s,
  ingest_cpu_ms_per_message: (r) => ingestCpuMsPerMessage(r),
  // EAS Direct Push (--only eas): Ping answer latency, CPU per message (all, and the three that
  // use most of it) and the gateway's requests and JMAP method calls to mailbox per message.
  eas_push_p50_ms: (r) => r.eas_push_latency_ms?.p50,
  eas_push_p99_ms: (r) => r.eas_push_latency_ms?.p99,
  eas_machine_busy_percent: (r) => r.machine_busy_percent?.eas,
  eas_cpu_ms_per_message: (r) => r.details?.eas?.cpu_ms_per_message?.total,
  eas_activesync_cpu_ms_per_message: (r) => r.details?.eas?.cpu_ms_per_message?.activesync,
  eas_mailbox_cpu_ms_per_message: (r) => r.details?.eas?.cpu_ms_per_message?.mailbox,
  eas_postgres_cpu_ms_per_message: (r) => r.details?.eas?.cpu_ms_per_message?.['postgres (bench db)'],
  eas_mailbox_requests_per_message: (r) => r.details?.eas?.mailboxRequestsPerMessage,
  eas_mailbox_calls_per_message: (r) => r.details?.eas?.mailboxMethodCallsPerMessage,
};

// Older revisions' results carry no cpu_ms_per_message: both sides are read the same way, from the
// per-process samples every version records (services, broker and database; not the load generator).
const isServer = (name) => !name.startsWith('bench');

/** CPU per accepted message of the latency runs: of every server process, or of the one named. */
function serverCpuMsPerMessage(results, process) {
  const runs = results.details?.pushLatency?.runs ?? [];
  return median(
    runs.map((run) => {
      const seconds = Object.entries(run.usage?.processes ?? {})
        .filter(([name]) => (process === undefined ? isServer(name) : name === process))
        .reduce((total, [, usage]) => total + usage.cpuSeconds, 0);
      return run.counters?.accepted ? (seconds * 1000) / run.counters.accepted : null;
    }),
  );
}

function ingestCpuMsPerMessage(results) {
  const runs = results.details?.ingest?.small?.runs ?? [];
  return median(
    runs.map((run) => {
      const seconds = Object.entries(run.usage?.processes ?? {})
        .filter(([name]) => isServer(name))
        .reduce((total, [, usage]) => total + usage.cpuSeconds, 0);
      return run.storedInDatabase ? (seconds * 1000) / run.storedInDatabase : null;
    }),
  );
}

function run(command, args, cwd, { quiet = false } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd,
      // One nx daemon per workspace would outlive the comparison; the builds run without one.
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolveRun()
        : reject(new Error(`${command} ${args.join(' ')} failed (${code})\n${output.slice(-3000)}`)),
    );
  });
}

/**
 * The other revision's node_modules: every installed package of this checkout, except the
 * workspace libraries, which are linked to that revision's own.
 */
function linkPackages(worktree) {
  const modules = join(worktree, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry === '@pushmail' || entry === '.cache') continue;
    symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  mkdirSync(join(modules, '@pushmail'));
  const workspaces = JSON.parse(readFileSync(join(worktree, 'package.json'), 'utf8')).workspaces ?? [];
  for (const pattern of workspaces) {
    const parents = pattern.endsWith('/*')
      ? readdirSync(join(worktree, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name))
      : [pattern];
    for (const dir of parents) {
      const manifest = join(worktree, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const name = JSON.parse(readFileSync(manifest, 'utf8')).name;
      if (name?.startsWith('@pushmail/')) symlinkSync(join(worktree, dir), join(modules, name));
    }
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'pushmail-compare-'));
  const worktree = join(work, oldSha.slice(0, 12));
  const outDir = join(work, 'results');
  mkdirSync(outDir);
  log(
    `old ${oldSha.slice(0, 12)} in ${worktree}; new ${newSha.slice(0, 12)}${dirty ? ' with uncommitted changes' : ''} here`,
  );
  git(['worktree', 'add', '--detach', worktree, oldSha]);
  try {
    linkPackages(worktree);
    const buildEnv = ['nx', 'run-many', '-t', 'build', '--output-style=static', '--skip-nx-cache'];
    for (const [side, dir] of [
      ['old', worktree],
      ['new', repoRoot],
    ]) {
      log(`building ${side}`);
      await run('npx', buildEnv, dir, { quiet: true });
    }
    const results = { old: [], new: [] };
    for (let round = 1; round <= rounds; round += 1) {
      for (const [side, dir] of [
        ['old', worktree],
        ['new', repoRoot],
      ]) {
        const out = join(outDir, `${side}-${round}.json`);
        log(`round ${round}/${rounds}: ${side}`);
        await run('node', ['bench/run.mjs', '--no-build', '--out', out, ...benchArgs], dir);
        results[side].push(JSON.parse(readFileSync(out, 'utf8')));
      }
    }
    report(results);
  } finally {
    if (!values.keep) {
      git(['worktree', 'remove', '--force', worktree]);
      rmSync(work, { recursive: true, force: true });
    }
  }
}

function report(results) {
  const metrics = {};
  for (const [name, read] of Object.entries(METRICS)) {
    const old = results.old.map(read).map(roundOrNull);
    const now = results.new.map(read).map(roundOrNull);
    const oldMedian = median(old);
    const newMedian = median(now);
    if (oldMedian === null && newMedian === null) continue;
    metrics[name] = {
      old,
      new: now,
      oldMedian: roundOrNull(oldMedian),
      newMedian: roundOrNull(newMedian),
      ratio: oldMedian && newMedian !== null ? Math.round((newMedian / oldMedian) * 100) / 100 : null,
    };
  }
  const summary = {
    command: `npm run bench:compare -- ${process.argv.slice(2).join(' ')}`,
    old: oldSha,
    new: newSha,
    newHasUncommittedChanges: dirty,
    order: Array.from({ length: rounds }, () => 'old, new').join(', '),
    benchFlags: benchArgs,
    ratio:
      'new ÷ old of the medians: below 1 is less time or CPU, above 1 more (for msg/s, above 1 is faster)',
    loadAverage: results.new.at(-1)?.environment?.loadAverageAfter ?? null,
    metrics,
  };
  // Never over an earlier comparison's file: the same revision is often compared for several changes.
  const base = `compare-${oldSha.slice(0, 12)}${values.tag === undefined ? '' : `-${values.tag}`}`;
  let file = join(repoRoot, 'bench/results', `${base}.json`);
  for (let n = 2; existsSync(file); n += 1) file = join(repoRoot, 'bench/results', `${base}-${n}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  const width = Math.max(...Object.keys(metrics).map((name) => name.length));
  console.log(`\n${'metric'.padEnd(width)}  old runs → median        new runs → median        new ÷ old`);
  for (const [name, entry] of Object.entries(metrics)) {
    console.log(
      `${name.padEnd(width)}  ${`${entry.old.join(', ')} → ${entry.oldMedian}`.padEnd(24)} ${`${entry.new.join(', ')} → ${entry.newMedian}`.padEnd(24)} ${entry.ratio ?? '-'}`,
    );
  }
  console.log(`\nresults: ${file}`);
}

function roundOrNull(value) {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 100) / 100 : null;
}

await main();
