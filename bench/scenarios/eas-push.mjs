// EAS Direct Push: N phones with a parked Ping each on the ActiveSync gateway, mail sent over SMTP
// at R msg/s to random accounts. Measures SMTP 250 → Ping response (Status 2) for every phone of
// the recipient account, and the gateway's memory per parked Ping (before and after parking N).
// A phone whose Ping returned Syncs the Inbox and parks a new Ping, as a real one does.
import { collectGarbage } from '../lib/inspector.mjs';
import { offerAtRate, sendBenchMessage, takeIdle } from '../lib/paced-mail.mjs';
import { readMetric } from '../lib/platform-probes.mjs';
import { readProcess } from '../lib/procstat.mjs';
import { SmtpPool } from '../lib/smtp-pipeline.mjs';
import { nowMs, sleep, summarize } from '../lib/stats.mjs';
import { closeEasAgent, EasDevice } from '../lib/eas-device.mjs';

const MESSAGE_TIMEOUT_MS = 15_000;
/** After a phone re-sent its Ping, the account rests this long so the Ping is parked when mail comes. */
const REPARK_MS = 300;

async function inLanes(items, lanes, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * `accounts`: [{ address, accountId, devices: [{ deviceId, token }] }] from setup. The gateway was
 * started with an inspector (`inspectorUrl()`), used only to force a collection before memory is read.
 */
export async function runEasPush({
  platform,
  accounts,
  rate,
  duration,
  senders,
  sizeBytes,
  heartbeatSeconds,
  seqStart,
  progress,
  inspectorUrl,
  sampler,
  statements,
  pauses,
}) {
  const baseUrl = platform.activesyncUrl;
  const pid = () => platform.processes.get('activesync').pid;
  const phones = accounts.flatMap((account) =>
    account.devices.map((device) => ({
      account,
      device: new EasDevice(baseUrl, { address: account.address, accountId: account.accountId, ...device }),
      parked: null,
    })),
  );
  const errors = [];

  progress.start(`eas: ${phones.length} phones FolderSync + Sync`, phones.length);
  let ready = 0;
  await inLanes(phones, 20, async (phone) => {
    await phone.device.folderSync();
    await phone.device.syncToEnd();
    progress.update(++ready);
  });
  progress.done();

  const settledMemory = async () => {
    const url = inspectorUrl();
    const gcForced = url
      ? await collectGarbage(url).then(
          () => true,
          () => false,
        )
      : false;
    await sleep(500);
    return {
      rssBytes: readProcess(pid()).rssBytes,
      heapBytes: await readMetric(baseUrl, 'nodejs_heap_size_used_bytes'),
      gcForced,
    };
  };
  await sleep(2000);
  const before = await settledMemory();

  // Each phone's loop: park a Ping; on Status 2 note the time, Sync, park again.
  let running = true;
  const onPushed = new Map(); // accountId -> (phone, at) => void
  const park = (phone) => {
    phone.parked = phone.device
      .ping(heartbeatSeconds, nowMs)
      .then(async ({ status, at }) => {
        if (!running) return;
        if (status === '2') {
          onPushed.get(phone.account.accountId)?.(phone, at);
          await phone.device.syncToEnd();
        } else if (status !== '1') {
          errors.push(`Ping Status ${status}`);
          await sleep(1000);
        }
        if (running) park(phone);
      })
      .catch((error) => {
        if (!running) return;
        errors.push(error.message);
        setTimeout(() => running && park(phone), 1000).unref();
      });
  };
  progress.start(`eas: park ${phones.length} Pings`, phones.length);
  for (const phone of phones) park(phone);
  const parkDeadline = nowMs() + 120_000;
  let parked = 0;
  while (nowMs() < parkDeadline) {
    // While 200 Pings arrive at once a loaded gateway may not answer /metrics within its timeout:
    // that poll leaves the count as it was, and the next one asks again.
    parked = (await readMetric(baseUrl, 'pushmail_activesync_parked_pings').catch(() => null)) ?? parked;
    progress.update(parked);
    if (parked >= phones.length) break;
    await sleep(250);
  }
  progress.done(`${parked} parked`);
  await sleep(2000);
  const after = await settledMemory();
  const parkedForMemory = (await readMetric(baseUrl, 'pushmail_activesync_parked_pings')) ?? 0;
  const perPing = (now, then) =>
    now !== null && then !== null && parkedForMemory > 0 ? Math.round((now - then) / parkedForMemory) : null;
  const memory = {
    parkedPings: parkedForMemory,
    measure:
      'RSS of the gateway process after a forced full GC, before and after parking, divided by the Pings parked',
    rssBytesPerPing: perPing(after.rssBytes, before.rssBytes),
    heapBytesPerPing: perPing(after.heapBytes, before.heapBytes),
    rssMiBBefore: round(before.rssBytes / 1048576),
    rssMiBAfter: round(after.rssBytes / 1048576),
    heapMiBBefore: before.heapBytes === null ? null : round(before.heapBytes / 1048576),
    heapMiBAfter: after.heapBytes === null ? null : round(after.heapBytes / 1048576),
    gcForced: before.gcForced && after.gcForced,
  };

  // ---- latency: one message in flight per account, so every Ping answer is the message's ----
  const smtp = await SmtpPool.open(platform.smtp.host, platform.smtp.port, senders);
  const idle = [...accounts];
  const inFlight = new Map();
  const samples = [];
  const counters = { sent: 0, accepted: 0, refused: 0, skipped: 0, timedOut: 0, missingPushes: 0 };
  let seq = seqStart;

  const finish = (message, timedOut = false) => {
    if (message.done) return;
    message.done = true;
    inFlight.delete(message.account.accountId);
    onPushed.delete(message.account.accountId);
    if (message.t250 !== undefined) for (const at of message.pushes) samples.push(at - message.t250);
    if (timedOut) {
      counters.timedOut += 1;
      counters.missingPushes += message.account.devices.length - message.pushes.length;
    }
    // Back in the pool once its phones have had time to Sync and park again.
    setTimeout(() => idle.push(message.account), timedOut ? 5000 : REPARK_MS).unref();
  };
  const maybeFinish = (message) => {
    if (message.t250 !== undefined && message.pushes.length >= message.account.devices.length)
      finish(message);
  };
  const sendOne = () => {
    const account = takeIdle(idle, counters);
    if (!account) return;
    const message = { seq: ++seq, account, sentAt: nowMs(), t250: undefined, pushes: [], done: false };
    inFlight.set(account.accountId, message);
    onPushed.set(account.accountId, (_phone, at) => {
      message.pushes.push(at);
      maybeFinish(message);
    });
    sendBenchMessage(smtp, message, {
      sizeBytes,
      counters,
      onAccepted: () => maybeFinish(message),
      onRefused: () => finish(message),
    });
  };

  // Statement statistics cover the measured window only, not the phones' first FolderSync and Sync.
  await statements?.start();
  // The gateway's calls to mailbox over the measured window, per accepted message.
  const mailboxCounts = async () => ({
    requests: await readMetric(baseUrl, 'pushmail_activesync_mailbox_requests_total').catch(() => null),
    methodCalls: await readMetric(baseUrl, 'pushmail_activesync_mailbox_method_calls_total').catch(
      () => null,
    ),
  });
  const mailboxBefore = await mailboxCounts();
  const status = () =>
    `250s ${counters.accepted}  Ping answers ${samples.length}  in flight ${inFlight.size}`;
  await pauses?.start();
  const { started, elapsedS } = await offerAtRate(
    { counters, inFlight, sendOne, finish, timeoutMs: MESSAGE_TIMEOUT_MS },
    {
      rate,
      duration,
      progress,
      sampler,
      status,
      label: `eas: push latency, ${rate} msg/s, ${phones.length} parked Pings`,
    },
  ).finally(() => smtp.close());
  const pauseRecord = await pauses?.stop();
  const usage = sampler?.stop();
  const statementStats = (await statements?.read()) ?? null;
  const mailboxAfter = await mailboxCounts();
  const perAccepted = (key) =>
    mailboxAfter[key] !== null && mailboxBefore[key] !== null && counters.accepted > 0
      ? round((mailboxAfter[key] - mailboxBefore[key]) / counters.accepted, 2)
      : null;
  progress.done(`sent ${counters.sent}, Ping answers ${samples.length}`);

  running = false;
  // The parked Pings end with their sockets; their loops see `running` false and stop.
  closeEasAgent();
  return {
    phones: phones.length,
    accounts: accounts.length,
    heartbeatSeconds,
    offeredRatePerS: rate,
    achievedRatePerS: Math.round((counters.accepted / duration) * 10) / 10,
    durationS: Math.round(elapsedS * 10) / 10,
    window: { fromMs: Math.round(started), toMs: Math.round(started + elapsedS * 1000) },
    eas_push_latency_ms: summarize(samples),
    memory,
    counters,
    errors: errors.slice(0, 5),
    errorCount: errors.length,
    commandsRetried: phones.reduce((total, phone) => total + phone.device.retries, 0),
    usage,
    pauses: pauseRecord ?? null,
    mailboxPerMessage: { requests: perAccepted('requests'), methodCalls: perAccepted('methodCalls') },
    statements: statementStats,
  };
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
