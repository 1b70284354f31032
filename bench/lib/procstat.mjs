// Reads CPU time and memory of processes from /proc, and describes the machine.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { busyPercentBetween, machineTicksOf } from './machine-busy.mjs';

function getconf(name, fallback) {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
}

const CLOCK_TICKS = getconf('CLK_TCK', 100);

/** CPU seconds (user + system) and memory of one process, or null once it is gone. */
export function readProcess(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuSeconds, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
  } catch {
    return null;
  }
}

export function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

function allPids() {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/**
 * The broker's JVM serving `brokers` (host:port), found by its main class and the listener port in
 * its data directory's name; the command line is read only for that match.
 */
export function findKafkaPid(brokers) {
  const port = /:(\d+)$/.exec(brokers.split(',')[0] ?? '')?.[1];
  const candidates = [];
  for (const pid of allPids()) {
    try {
      if (processName(pid) !== 'java') continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('kafka.Kafka')) candidates.push({ pid, cmdline });
    } catch {
      // gone, or not readable
    }
  }
  return (
    (
      candidates.find((candidate) => port && candidate.cmdline.includes(`kafka-data-${port}`)) ??
      candidates[0]
    )?.pid ?? null
  );
}

/** The Kafka version a local broker runs, from the jar names on its class path. */
export function kafkaVersionOf(pid) {
  if (!pid) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return (
      /kafka_[\d.]+-(\d+\.\d+\.\d+)\.jar/.exec(cmdline)?.[1] ??
      /kafka-server-(\d+\.\d+\.\d+)\.jar/.exec(cmdline)?.[1] ??
      null
    );
  } catch {
    return null;
  }
}

/** Descendants of a process (children of children…), e.g. the client workers. */
export function descendantsOf(rootPid) {
  const parentOf = new Map();
  for (const pid of allPids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parentOf.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const result = new Set();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!result.has(pid) && (parent === rootPid || result.has(parent))) {
        result.add(pid);
        grew = true;
      }
    }
  }
  return result;
}

/** CPU seconds of every process on the machine, by pid, with its short name (comm) only. */
export function snapshotAllCpu() {
  const snapshot = new Map();
  for (const pid of allPids()) {
    const sample = readProcess(pid);
    if (sample) snapshot.set(pid, { name: processName(pid) ?? '?', cpuSeconds: sample.cpuSeconds });
  }
  return snapshot;
}

/**
 * What else used the CPU between two snapshots, grouped by process name, excluding the pids the
 * benchmark itself accounts for. Recorded so a result taken on a shared machine says so.
 */
export function otherCpuBetween(before, after, excludedPids, top = 8) {
  const byName = new Map();
  for (const [pid, end] of after) {
    if (excludedPids.has(pid)) continue;
    const start = before.get(pid)?.cpuSeconds ?? 0;
    const used = end.cpuSeconds - start;
    if (used <= 0.05) continue;
    byName.set(end.name, (byName.get(end.name) ?? 0) + used);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, cpuSeconds]) => ({ name, cpuSeconds: Math.round(cpuSeconds * 10) / 10 }));
}

/**
 * Seconds the main thread of a process (the event loop, for Node.js) spent runnable but waiting for
 * a CPU, from its schedstat: on a busy machine every round trip pays this wait.
 */
export function runQueueWaitSeconds(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return null;
  }
}

function startTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

function uptimeTicks() {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * CLOCK_TICKS;
}

function machineTicks() {
  try {
    return machineTicksOf(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Samples named processes while a phase runs: CPU used, time spent waiting for a CPU (run queue),
 * and the highest RSS seen. `targets` maps a name to a function returning its pids, which may
 * change (restarts, database connections opening and closing): each pid counts from when the
 * phase began, or from its start if it began later, up to its last sample.
 */
export class ProcessSampler {
  constructor(targets, intervalMs = 250) {
    this.targets = targets;
    this.intervalMs = intervalMs;
  }

  start() {
    this.startedAt = performance.now();
    this.startedTicks = uptimeTicks();
    this.machineAtStart = machineTicks();
    this.pids = new Map();
    this.maxRss = new Map();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop() {
    clearInterval(this.timer);
    const rssNow = this.sample();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const result = {};
    for (const name of Object.keys(this.targets)) {
      let cpuSeconds = 0;
      let waitSeconds = 0;
      for (const entry of this.pids.values()) {
        if (entry.name !== name) continue;
        cpuSeconds += entry.last.cpu - entry.first.cpu;
        waitSeconds += entry.last.wait - entry.first.wait;
      }
      result[name] = {
        cpuSeconds: round(cpuSeconds, 2),
        cpuPercentOfOneCore: round((cpuSeconds / seconds) * 100, 1),
        mainThreadRunQueueWaitSeconds: round(waitSeconds, 2),
        rssMaxMiB: round((this.maxRss.get(name) ?? 0) / 1048576, 1),
        rssEndMiB: round((rssNow.get(name)?.rssBytes ?? 0) / 1048576, 1),
        processes: rssNow.get(name)?.count ?? 0,
      };
    }
    // Every process counts here, the benchmark's own clients and whatever else the machine runs:
    // the targets are stated for a machine under 70 % busy.
    const machine = { busyPercent: busyPercentBetween(this.machineAtStart, machineTicks()) };
    return { seconds: round(seconds, 2), processes: result, machine };
  }

  sample() {
    const totals = new Map();
    for (const [name, pidsOf] of Object.entries(this.targets)) {
      let rssBytes = 0;
      let count = 0;
      for (const pid of pidsOf()) {
        const sample = readProcess(pid);
        if (!sample) continue;
        const wait = runQueueWaitSeconds(pid) ?? 0;
        let entry = this.pids.get(pid);
        if (!entry) {
          const started = startTicks(pid);
          const bornDuringPhase = started !== null && started > this.startedTicks;
          entry = { name, first: bornDuringPhase ? { cpu: 0, wait: 0 } : { cpu: sample.cpuSeconds, wait } };
          this.pids.set(pid, entry);
        }
        entry.last = { cpu: sample.cpuSeconds, wait };
        rssBytes += sample.rssBytes;
        count += 1;
      }
      totals.set(name, { rssBytes, count });
      this.maxRss.set(name, Math.max(this.maxRss.get(name) ?? 0, rssBytes));
    }
    return totals;
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    nodeVersion: process.version,
    openFilesLimit: openFilesLimit(),
  };
}

function openFilesLimit() {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /Max open files\s+(\d+)\s+(\d+)/.exec(limits);
    return match ? { soft: Number(match[1]), hard: Number(match[2]) } : null;
  } catch {
    return null;
  }
}

export function loadAverage() {
  return os.loadavg().map((value) => round(value, 2));
}

export function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * CPU seconds of a process and everything below it, the ended children included: a parent's
 * cutime/cstime holds the children it has reaped, so a daemon that forks a process per connection
 * or per delivery (Postfix, Dovecot) is counted whole.
 */
export function treeCpuSeconds(rootPid) {
  let total = 0;
  for (const pid of [rootPid, ...descendantsOf(rootPid)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total +=
        (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    } catch {
      // gone between listing and reading: its time is in its parent's reaped children from now on
    }
  }
  return total;
}

/**
 * Samples the whole process trees of named roots while a phase runs (same shape as
 * ProcessSampler's result): `targets` maps a name to a function returning its root pids.
 */
export class TreeSampler {
  constructor(targets) {
    this.targets = targets;
  }

  read() {
    return Object.fromEntries(
      Object.entries(this.targets).map(([name, roots]) => [
        name,
        roots().reduce((total, pid) => total + treeCpuSeconds(pid), 0),
      ]),
    );
  }

  start() {
    this.startedAt = performance.now();
    this.first = this.read();
    return this;
  }

  stop() {
    const last = this.read();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const processes = {};
    for (const name of Object.keys(this.targets)) {
      const cpuSeconds = last[name] - this.first[name];
      const pids = this.targets[name]().flatMap((pid) => [pid, ...descendantsOf(pid)]);
      const rssBytes = pids.reduce((total, pid) => total + (readProcess(pid)?.rssBytes ?? 0), 0);
      processes[name] = {
        cpuSeconds: round(cpuSeconds, 2),
        cpuPercentOfOneCore: round((cpuSeconds / seconds) * 100, 1),
        rssEndMiB: round(rssBytes / 1048576, 1),
        processes: pids.length,
      };
    }
    return { seconds: round(seconds, 2), processes };
  }
}
