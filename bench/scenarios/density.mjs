// Connection density: C idle, authenticated sockets with push enabled on one push-delivery
// process (restarted first, so it starts clean). Measures memory per socket at several counts, CPU
// while idle with pings running, and the time to push one change to all of them.
import { DevicePool, loopbackAddresses } from '../lib/device-pool.mjs';
import { collectGarbage } from '../lib/inspector.mjs';
import { buildMessage } from '../lib/messages.mjs';
import { readMetric } from '../lib/platform-probes.mjs';
import { readProcess } from '../lib/procstat.mjs';
import { PipelinedSmtp } from '../lib/smtp-pipeline.mjs';
import { median, nowMs, sleep } from '../lib/stats.mjs';

export async function runDensity({
  platform,
  account,
  connections,
  workers,
  sourceAddresses,
  idleSeconds,
  settleSeconds,
  fanoutRounds,
  progress,
  label,
  seqStart,
  onPool,
  inspectorUrl,
}) {
  const pushUrl = `http://${platform.host}:${platform.ports.push}`;
  const settleMs = settleSeconds * 1000;
  progress.start(`${label}: restart push-delivery`, null);
  await platform.restart('push-delivery');
  progress.done();
  const pid = () => platform.processes.get('push-delivery').pid;
  const cpuSeconds = () => readProcess(pid()).cpuSeconds;

  /**
   * RSS and JS heap after a full collection (when the inspector is reachable): V8 collects lazily,
   * and the garbage of thousands of handshakes is not what an idle socket costs.
   */
  const settledMemory = async () => {
    let gcForced = false;
    const url = inspectorUrl?.();
    if (url) {
      gcForced = await collectGarbage(url).then(
        () => true,
        () => false,
      );
      await sleep(500);
    }
    return {
      rssBytes: readProcess(pid()).rssBytes,
      heapBytes: await readMetric(pushUrl, 'nodejs_heap_size_used_bytes'),
      gcForced,
    };
  };

  // The empty process's idle CPU (Kafka polling, metrics), so the sockets' share can be told apart.
  progress.start(`${label}: idle, no sockets`, null);
  await sleep(settleMs);
  const emptyStart = { cpu: cpuSeconds(), at: nowMs() };
  await sleep(Math.min(idleSeconds, 10) * 1000);
  const emptyIdlePercent = ((cpuSeconds() - emptyStart.cpu) / ((nowMs() - emptyStart.at) / 1000)) * 100;
  const baseline = await settledMemory();
  progress.done(`${emptyIdlePercent.toFixed(2)} % of a core`);

  const pool = await DevicePool.start(workers);
  onPool?.(pool);
  const steps = [];
  try {
    // Sockets share the account's device tokens: one account, so one change reaches them all.
    const sockets = Array.from({ length: connections }, (_, index) => {
      const device = account.devices[index % account.devices.length];
      return { token: device.token, accountId: account.accountId, fetch: false };
    });
    const addresses = loopbackAddresses(sourceAddresses);
    const fractions = connections >= 4000 ? [0.25, 0.5, 1] : [0.5, 1];
    const marks = [...new Set(fractions.map((fraction) => Math.round(connections * fraction)))].filter(
      (mark) => mark > 0,
    );
    let connected = 0;
    let from = 0;
    progress.start(`${label}: connect ${connections}`, connections);
    for (const mark of marks) {
      const connectStarted = nowMs();
      const result = await pool.connect(platform.websocketUrl, sockets.slice(from, mark), {
        localAddresses: addresses,
        concurrency: 50,
        onProgress: (count) => progress.update(connected + count),
      });
      if (result.failed > 0) {
        throw new Error(`${result.failed} sockets failed to connect: ${result.errors.join('; ')}`);
      }
      const connectSeconds = (nowMs() - connectStarted) / 1000;
      connected += result.connected;
      from = mark;
      progress.update(connected, `settling at ${connected}`);
      await sleep(settleMs);
      const raw = {
        rssBytes: readProcess(pid()).rssBytes,
        heapBytes: await readMetric(pushUrl, 'nodejs_heap_size_used_bytes'),
      };
      const settled = await settledMemory();
      const perSocket = (now, before) =>
        now !== null && before !== null ? Math.round((now - before) / connected) : null;
      steps.push({
        connections: connected,
        serverSockets: await readMetric(pushUrl, 'pushmail_push_open_sockets'),
        rssMiB: round(settled.rssBytes / 1048576),
        bytesPerSocket: perSocket(settled.rssBytes, baseline.rssBytes),
        heapBytesPerSocket: perSocket(settled.heapBytes, baseline.heapBytes),
        gcForced: settled.gcForced,
        connectsPerS: Math.round(result.connected / connectSeconds),
        beforeGc: {
          rssMiB: round(raw.rssBytes / 1048576),
          bytesPerSocket: perSocket(raw.rssBytes, baseline.rssBytes),
          heapBytesPerSocket: perSocket(raw.heapBytes, baseline.heapBytes),
        },
      });
    }
    progress.done(steps.map((step) => `${step.connections}: ${step.bytesPerSocket} B`).join(', '));

    // Idle: nothing but pings (WS_PING_INTERVAL_MS) and the pongs the clients answer.
    await pool.setMode('none');
    progress.start(`${label}: idle ${idleSeconds}s`, idleSeconds);
    const idleStart = { cpu: cpuSeconds(), at: nowMs() };
    const idleEnd = idleStart.at + idleSeconds * 1000;
    while (nowMs() < idleEnd) {
      progress.update(Math.floor((nowMs() - idleStart.at) / 1000));
      await sleep(Math.min(500, Math.max(1, idleEnd - nowMs())));
    }
    const idleCpuSeconds = cpuSeconds() - idleStart.cpu;
    const idleWindow = { fromMs: Math.round(idleStart.at), toMs: Math.round(nowMs()) };
    const idleWall = (idleWindow.toMs - idleWindow.fromMs) / 1000;
    const stillOpen = await readMetric(pushUrl, 'pushmail_push_open_sockets');
    progress.done();

    // Fan-out: one message to the account every socket belongs to.
    await pool.setMode('fanout');
    const rounds = [];
    progress.start(`${label}: fan-out to ${connected}`, fanoutRounds);
    const fanoutWindow = { fromMs: Math.round(nowMs()) };
    const smtp = await PipelinedSmtp.open(platform.smtp.host, platform.smtp.port);
    try {
      for (let index = 0; index < fanoutRounds; index += 1) {
        await pool.arm();
        const reply = await smtp.send({
          from: 'sender@bench.example',
          to: account.address,
          data: buildMessage({ seq: seqStart + index, to: account.address, sizeBytes: 2048 }),
        });
        if (reply.code !== 250) throw new Error(`fan-out message refused: ${reply.text}`);
        const deadline = nowMs() + 30_000;
        let collected;
        do {
          await sleep(100);
          collected = await pool.collect();
        } while (collected.missing > 0 && nowMs() < deadline);
        const times = collected.times.map((at) => at - reply.at).sort((a, b) => a - b);
        rounds.push({
          reached: times.length,
          missing: collected.missing,
          firstMs: round(times[0]),
          medianMs: round(times[Math.floor(times.length / 2)]),
          allMs: round(times[times.length - 1]),
        });
        progress.update(index + 1, `all ${rounds.at(-1).allMs} ms`);
        await sleep(1000);
      }
    } finally {
      await smtp.close();
    }
    fanoutWindow.toMs = Math.round(nowMs());
    progress.done();

    const largest = steps.at(-1);
    const first = steps[0];
    return {
      connections: largest.connections,
      idle_conn_bytes: largest.bytesPerSocket,
      // What one more socket costs, between the smallest and the largest count: free of the
      // process's own growth after a start.
      marginalBytesPerSocket:
        largest.connections > first.connections
          ? Math.round(
              ((largest.rssMiB - first.rssMiB) * 1048576) / (largest.connections - first.connections),
            )
          : null,
      baselineRssMiB: round(baseline.rssBytes / 1048576),
      baselineHeapMiB: baseline.heapBytes === null ? null : round(baseline.heapBytes / 1048576),
      steps,
      idle: {
        seconds: round(idleWall),
        cpuPercentOfOneCore: round((idleCpuSeconds / idleWall) * 100, 2),
        withoutSocketsCpuPercentOfOneCore: round(emptyIdlePercent, 2),
        socketsOpenAfter: stillOpen,
      },
      fanout: {
        rounds,
        allMs: median(rounds.map((entry) => entry.allMs)),
        medianMs: median(rounds.map((entry) => entry.medianMs)),
        firstMs: median(rounds.map((entry) => entry.firstMs)),
      },
      pushDeliveryPid: pid(),
      windows: { idle: idleWindow, fanout: fanoutWindow },
      clientProcesses: workers,
      sourceAddresses,
      tokensShared: account.devices.length,
    };
  } finally {
    await pool.close();
    onPool?.(null);
  }
}

function round(value, digits = 1) {
  if (value === undefined || value === null || Number.isNaN(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
