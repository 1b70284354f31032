// Sending: devices submit mail over JMAP (Email/set of a draft and EmailSubmission/set in one
// request, as a mail client does) at a fixed rate, to recipients of a remote domain whose MX host is
// the bench's SMTP sink. Measures the EmailSubmission/set request → the sink's end of DATA, the rate the
// sink receives at, and (with the sampler) the CPU each message costs the services.
import { subjectOf } from '../lib/messages.mjs';
import { offerAtRate } from '../lib/paced-mail.mjs';
import { nowMs, sleep, summarize } from '../lib/stats.mjs';

export const REMOTE_DOMAIN = 'remote.bench.example';
const SUBMIT_TIMEOUT_MS = 30_000;
/** push-delivery's maxConcurrentRequests per device: a sender with this many in flight is busy. */
const MAX_IN_FLIGHT_PER_DEVICE = 4;

/** Waits until the sink has every one of `seqs` (or throws after `timeoutMs`). */
async function arrivedAll(sink, seqs, timeoutMs) {
  const deadline = nowMs() + timeoutMs;
  while (!seqs.every((seq) => sink.arrivals.has(seq))) {
    if (nowMs() > deadline)
      throw new Error(`the sink did not receive ${seqs.length} warm-up messages in time`);
    await sleep(100);
  }
}

/**
 * Offers `rate × duration` submissions at `rate` per second, round-robin over the devices of
 * `accounts` that have fewer than push-delivery's maximum of requests in flight (when none has, the
 * offer is counted skipped), then waits up to `drainTimeoutMs` for the sink to receive every
 * accepted one. Before that, each account sends one unmeasured message (first-use costs).
 */
export async function runOutbound({
  DeviceClient,
  platform,
  sink,
  accounts,
  rate,
  duration,
  sizeBytes,
  drainTimeoutMs = 120_000,
  progress,
  label,
  seqStart,
  sampler,
}) {
  // The test kit is built by the bench's first step, so it is loaded only now.
  const { jmapSenderOf, submitDraft } = await import('@pushmail/testing');
  progress.start(`${label}: connect ${accounts.length} senders, warm up`, null);
  const senders = await Promise.all(
    accounts.map(async (account) => {
      const client = await DeviceClient.connect(platform.websocketUrl, account.devices[0].token);
      return Object.assign(await jmapSenderOf(client, account, SUBMIT_TIMEOUT_MS), { inFlight: 0 });
    }),
  );
  const submit = (sender, seq, text) =>
    submitDraft(
      sender,
      { to: [`rcpt-${seq % 100}@${REMOTE_DOMAIN}`], subject: subjectOf(seq), text },
      SUBMIT_TIMEOUT_MS,
    );
  const body = 'x'.repeat(Math.max(16, sizeBytes - 600)).replace(/(.{76})/g, '$1\n');
  const warmUp = senders.map((sender, index) => seqStart + index);
  await Promise.all(senders.map((sender, index) => submit(sender, warmUp[index], body)));
  await arrivedAll(sink, warmUp, drainTimeoutMs);
  progress.done();
  const firstSeq = seqStart + senders.length;

  const counters = { sent: 0, skipped: 0, accepted: 0, refused: 0, timedOut: 0 };
  const inFlight = new Map();
  /** seq → { sentAt, submittedAt, deliveredAt } of every submission that was accepted. */
  const accepted = new Map();
  const errors = [];
  let next = 0;
  sink.onArrival = (seq, at) => {
    const entry = accepted.get(seq);
    if (entry && entry.deliveredAt === undefined) entry.deliveredAt = at;
  };
  const finish = (message, timedOut) => {
    if (!inFlight.delete(message.seq)) return;
    if (timedOut) counters.timedOut += 1;
  };
  let turn = 0;
  const sendOne = () => {
    let sender;
    for (let tried = 0; tried < senders.length && !sender; tried += 1) {
      const candidate = senders[turn++ % senders.length];
      if (candidate.inFlight < MAX_IN_FLIGHT_PER_DEVICE) sender = candidate;
    }
    if (!sender) {
      counters.skipped += 1;
      return;
    }
    const seq = firstSeq + next;
    next += 1;
    const message = { seq, sentAt: nowMs() };
    inFlight.set(seq, message);
    counters.sent += 1;
    sender.inFlight += 1;
    submit(sender, seq, body)
      .finally(() => (sender.inFlight -= 1))
      .then(() => {
        const submittedAt = nowMs();
        counters.accepted += 1;
        // The sink may have seen it before this response was read.
        const early = sink.arrivals.get(seq)?.[0];
        accepted.set(seq, { sentAt: message.sentAt, submittedAt, deliveredAt: early });
        finish(message, false);
      })
      .catch((error) => {
        counters.refused += 1;
        if (errors.length < 5) errors.push(String(error?.message ?? error));
        finish(message, false);
      });
  };
  const delivered = () => [...accepted.values()].filter((entry) => entry.deliveredAt !== undefined).length;
  const { started, elapsedS } = await offerAtRate(
    { counters, inFlight, timeoutMs: SUBMIT_TIMEOUT_MS, sendOne, finish },
    {
      rate,
      duration,
      progress,
      label,
      sampler,
      status: () => `${counters.accepted} submitted, ${delivered()} at the sink`,
    },
  );
  progress.start(`${label}: delivery to the sink`, counters.accepted);
  const drainDeadline = nowMs() + drainTimeoutMs;
  while (delivered() < accepted.size && nowMs() < drainDeadline) {
    progress.update(delivered());
    await sleep(100);
  }
  const usage = sampler?.stop();
  progress.done(`${delivered()} of ${accepted.size}`);
  sink.onArrival = null;
  await Promise.all(senders.map((sender) => sender.client.close?.()));

  const entries = [...accepted.values()];
  const arrivedTimes = entries
    .map((entry) => entry.deliveredAt)
    .filter((at) => at !== undefined)
    .sort((a, b) => a - b);
  const lastSubmittedAt = Math.max(...entries.map((entry) => entry.submittedAt));
  const spanS = arrivedTimes.length > 1 ? (arrivedTimes.at(-1) - arrivedTimes[0]) / 1000 : null;
  const duplicates = [...accepted.keys()].reduce(
    (total, seq) => total + Math.max(0, (sink.arrivals.get(seq)?.length ?? 0) - 1),
    0,
  );
  return {
    rate,
    durationS: duration,
    accounts: accounts.length,
    messageBytes: sizeBytes,
    achievedRatePerS: Math.round((counters.sent / elapsedS) * 10) / 10,
    counters: {
      ...counters,
      delivered: arrivedTimes.length,
      lost: accepted.size - arrivedTimes.length,
      duplicates,
    },
    // From the request: the mail may leave before a busy load generator reads the response, so
    // timing from the response could come out negative.
    submit_to_remote_ms: summarize(
      entries
        .filter((entry) => entry.deliveredAt !== undefined)
        .map((entry) => entry.deliveredAt - entry.sentAt),
    ),
    // Delivered over the span from the first arrival to the last, at the offered rate.
    outboundMsgsPerS: spanS ? Math.round(((arrivedTimes.length - 1) / spanS) * 10) / 10 : null,
    drainAfterLastSubmitMs: arrivedTimes.length ? Math.round(arrivedTimes.at(-1) - lastSubmittedAt) : null,
    errors,
    usage,
    window: { fromMs: started, toMs: nowMs() },
  };
}
