// The open-loop sender of the latency scenarios: messages offered at a fixed rate to random idle
// accounts, at most one in flight per account, each timed out after a while, until all are sent and
// the last answers are in (or late).
import { buildMessage } from './messages.mjs';
import { nowMs, sleep } from './stats.mjs';

/**
 * Takes a random account out of `idle` (the last one fills its place); when none is idle, the offer
 * is counted skipped and it answers undefined.
 */
export function takeIdle(idle, counters) {
  if (idle.length === 0) {
    counters.skipped += 1;
    return undefined;
  }
  const pick = Math.floor(Math.random() * idle.length);
  const account = idle[pick];
  idle[pick] = idle[idle.length - 1];
  idle.pop();
  return account;
}

/**
 * Sends `message` (its `seq` and `account`) over the pool and counts its answer: on a 250 its
 * `t250` is set and `onAccepted` called; any other answer, a failed connection, or a failing
 * `onAccepted` counts it refused and calls `onRefused`.
 */
export function sendBenchMessage(smtp, message, { sizeBytes, counters, onAccepted, onRefused }) {
  const to = message.account.address;
  counters.sent += 1;
  smtp
    .send({ from: 'sender@bench.example', to, data: buildMessage({ seq: message.seq, to, sizeBytes }) })
    .then((reply) => {
      if (reply.code !== 250) throw new Error(`refused with ${reply.code}`);
      counters.accepted += 1;
      message.t250 = reply.at;
      onAccepted();
    })
    .catch(() => {
      counters.refused += 1;
      onRefused();
    });
}

/**
 * Offers `rate × duration` messages at `rate` per second, shown on `progress` as `label` with
 * `status()`: `sendOne` sends one (or counts it skipped) and `counters.sent + counters.skipped`
 * says how many were offered. Messages in `inFlight` longer than `timeoutMs` are finished as timed
 * out; after the last is offered it waits for those in flight, at most `timeoutMs` and a second
 * more, and finishes the rest as timed out. Answers when it started and how long it ran.
 */
export async function offerAtRate(
  { counters, inFlight, timeoutMs, sendOne, finish },
  { rate, duration, progress, label, status, sampler },
) {
  const total = Math.round(rate * duration);
  progress.start(label, total);
  sampler?.start();
  const reaper = setInterval(() => {
    const now = nowMs();
    for (const message of inFlight.values()) if (now - message.sentAt > timeoutMs) finish(message, true);
  }, 250);
  const started = nowMs();
  try {
    while (counters.sent + counters.skipped < total) {
      const due = Math.min(total, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
      while (counters.sent + counters.skipped < due) sendOne();
      progress.update(counters.sent, status());
      const nextDue = started + ((counters.sent + counters.skipped) * 1000) / rate;
      await sleep(Math.max(0, nextDue - nowMs()));
    }
    const drainDeadline = nowMs() + timeoutMs + 1000;
    while (inFlight.size > 0 && nowMs() < drainDeadline) await sleep(20);
  } finally {
    clearInterval(reaper);
    for (const message of [...inFlight.values()]) finish(message, true);
  }
  return { started, elapsedS: (nowMs() - started) / 1000 };
}
