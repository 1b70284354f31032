// Push latency: mail sent over SMTP at a fixed rate to random accounts whose devices are connected
// with push enabled. For each message and device: SMTP 250 → StateChange on the device; and for
// the fetching device: SMTP 250 → end of its Email/changes + Email/get that returned the message.
import { seqOfSubject } from '../lib/messages.mjs';
import { offerAtRate, sendBenchMessage, takeIdle } from '../lib/paced-mail.mjs';
import { lateDeliveries } from '../lib/pauses.mjs';
import { SmtpPool } from '../lib/smtp-pipeline.mjs';
import { nowMs, summarize } from '../lib/stats.mjs';

const MESSAGE_TIMEOUT_MS = 10_000;

/**
 * One run of `duration` seconds. `accounts` are [{ address, accountId, devices, fetchers }], with
 * their devices already connected in `pool`. An account has at most one message in flight, so a
 * StateChange is never ambiguous; with many accounts and a short latency that hardly limits the
 * choice.
 */
export async function runPushLatency({
  tracer,
  seqStart = 0,
  platform,
  pool,
  accounts,
  rate,
  duration,
  senders,
  sizeBytes,
  progress,
  label,
  sampler,
  pauses,
}) {
  const smtp = await SmtpPool.open(platform.smtp.host, platform.smtp.port, senders);
  const idle = accounts.map((account) => account);
  const inFlight = new Map();
  const bySeq = new Map();
  const pushSamples = [];
  const fetchSamples = [];
  const acceptSamples = [];
  const finished = [];
  const counters = {
    sent: 0,
    accepted: 0,
    refused: 0,
    skipped: 0,
    timedOut: 0,
    missingPushes: 0,
    missingFetches: 0,
    unmatched: 0,
  };
  let seq = seqStart;

  // Accounts whose message timed out: a late StateChange of theirs would be taken for the next
  // message's, so they rest until their fetching device has seen the late message (by its subject).
  const resting = new Map();
  const release = (message, timedOut = false) => {
    if (message.done) return;
    message.done = true;
    inFlight.delete(message.account.accountId);
    bySeq.delete(message.seq);
    if (timedOut && message.account.fetchers > 0 && message.fetchedAt === undefined) {
      resting.set(message.seq, message.account);
    } else if (!timedOut) {
      idle.push(message.account);
    }
  };
  const finish = (message, timedOut = false) => {
    if (message.done) return;
    if (message.t250 !== undefined) {
      for (const at of message.pushes) pushSamples.push(at - message.t250);
      if (message.fetchedAt !== undefined) fetchSamples.push(message.fetchedAt - message.t250);
      if (message.pushes.length > 0)
        finished.push({
          accountId: message.account.accountId,
          sentAt: message.sentAt,
          t250: message.t250,
          pushes: message.pushes,
          pushWorkers: message.pushWorkers,
        });
    }
    if (timedOut) {
      counters.timedOut += 1;
      counters.missingPushes += Math.max(0, message.account.devices.length - message.pushes.length);
      if (message.account.fetchers > 0 && message.fetchedAt === undefined) counters.missingFetches += 1;
    }
    release(message, timedOut);
  };
  const maybeFinish = (message) => {
    if (message.t250 === undefined) return;
    if (message.pushes.length < message.account.devices.length) return;
    if (message.account.fetchers > 0 && message.fetchedAt === undefined) return;
    finish(message);
  };

  pool.onEvents = ({ push, fetch }, worker) => {
    for (let index = 0; index < push.length; index += 2) {
      const message = inFlight.get(push[index]);
      if (!message) {
        counters.unmatched += 1;
        continue;
      }
      message.pushes.push(push[index + 1]);
      message.pushWorkers.push(worker);
      maybeFinish(message);
    }
    for (let index = 0; index < fetch.length; index += 3) {
      const fetchedSeq = seqOfSubject(fetch[index]);
      const rested = resting.get(fetchedSeq);
      if (rested) {
        resting.delete(fetchedSeq);
        // The late push reached the devices about when the fetch began; a second is ample.
        setTimeout(() => idle.push(rested), 1000).unref();
      }
      const message = bySeq.get(fetchedSeq);
      if (!message) continue;
      message.fetchedAt ??= fetch[index + 2];
      maybeFinish(message);
    }
  };

  const sendOne = () => {
    const account = takeIdle(idle, counters);
    if (!account) return;
    const message = {
      seq: ++seq,
      account,
      sentAt: nowMs(),
      t250: undefined,
      pushes: [],
      pushWorkers: [],
      fetchedAt: undefined,
      done: false,
    };
    inFlight.set(account.accountId, message);
    bySeq.set(message.seq, message);
    sendBenchMessage(smtp, message, {
      sizeBytes,
      counters,
      onAccepted: () => {
        acceptSamples.push(message.t250 - message.sentAt);
        maybeFinish(message);
      },
      onRefused: () => release(message),
    });
  };

  await pool.setMode('latency');
  const status = () =>
    `250s ${counters.accepted}  pushes ${pushSamples.length}  fetches ${fetchSamples.length}  in flight ${inFlight.size}`;
  await pauses?.start();
  const { started, elapsedS } = await offerAtRate(
    { counters, inFlight, sendOne, finish, timeoutMs: MESSAGE_TIMEOUT_MS },
    { rate, duration, progress, sampler, label, status },
  ).finally(async () => {
    pool.onEvents = null;
    await smtp.close();
  });
  const pauseRecord = await pauses?.stop();
  // Where the time went, for messages whose change the tracer saw published.
  const toPublished = [];
  const toDevice = [];
  const deliveries = [];
  if (tracer) {
    await tracer.caughtUp();
    finished.forEach((message, index) => {
      const publishedAt = tracer.publishedAfter(message.accountId, message.sentAt);
      if (publishedAt === undefined || publishedAt > Math.min(...message.pushes) + 1) return;
      toPublished.push(publishedAt - message.t250);
      message.pushes.forEach((at, push) => {
        toDevice.push(at - publishedAt);
        deliveries.push({ message: index, publishedAt, at, worker: message.pushWorkers[push] });
      });
    });
  }
  const usage = sampler?.stop();
  progress.done(`sent ${counters.sent}, pushes ${pushSamples.length}, fetches ${fetchSamples.length}`);
  await pool.setMode('none');
  return {
    window: { fromMs: Math.round(started), toMs: Math.round(started + elapsedS * 1000) },
    offeredRatePerS: rate,
    achievedRatePerS: Math.round((counters.accepted / duration) * 10) / 10,
    durationS: Math.round(elapsedS * 10) / 10,
    push_latency_ms: summarize(pushSamples),
    fetch_latency_ms: summarize(fetchSamples),
    smtp_accept_ms: summarize(acceptSamples),
    stages: tracer
      ? {
          smtp250ToChangePublishedMs: summarize(toPublished),
          changePublishedToDeviceMs: summarize(toDevice),
          // Deliveries over 100 ms after the change was published: in one worker or everywhere.
          lateToDevice: lateDeliveries(deliveries, {
            thresholdMs: 100,
            stallsByWorker: pauseRecord?.['bench (socket clients)']?.workers.map((worker) => worker.stalls),
            fromMs: started,
          }),
          note: 'change published = CreateTime of the mailbox.changed record (mailbox stored the message and published); millisecond resolution',
        }
      : null,
    counters: { ...counters, accountsStillResting: resting.size },
    usage,
    pauses: pauseRecord ?? null,
  };
}
