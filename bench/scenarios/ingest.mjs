// Ingest throughput: many SMTP sessions send as fast as they are answered (each keeping a few
// transactions pipelined), to random accounts; the run ends when every accepted message is stored.
// The same load runs against the classic stack with `storedCount` (what it has delivered) in place
// of the platform's metric and database.
import { buildMessage } from '../lib/messages.mjs';
import { PipelinedSmtp } from '../lib/smtp-pipeline.mjs';
import { countEmails, readMetric } from '../lib/platform-probes.mjs';
import { nowMs, sleep, summarize } from '../lib/stats.mjs';

const STALL_TIMEOUT_MS = 60_000;

export async function runIngest({
  platform,
  db,
  addresses,
  messages,
  sizeBytes,
  sessions,
  window,
  progress,
  label,
  sampler,
  seqStart = 0,
  accountFilter,
  storedCount,
}) {
  const storedMetric =
    storedCount ??
    (() =>
      readMetric(
        `http://${platform.host}:${platform.ports.mailbox}`,
        'pushmail_mailbox_emails_stored_total',
      ).then((value) => value ?? 0));
  const countStored = () => (storedCount ? storedCount() : countEmails(db, accountFilter));
  const baseCount = await countStored();
  const wallStart = new Date();
  const baseMetric = await storedMetric();
  const smtp = await Promise.all(
    Array.from({ length: sessions }, () => PipelinedSmtp.open(platform.smtp.host, platform.smtp.port)),
  );

  let next = 0;
  let accepted = 0;
  let refused = 0;
  let lastAcceptedAt = 0;
  const refusals = new Map();
  const acceptSamples = [];
  const timeline = [];
  progress.start(label, messages);
  sampler?.start();
  const started = nowMs();

  const lane = async (session) => {
    while (next < messages) {
      const seq = seqStart + next++;
      const to = addresses[Math.floor(Math.random() * addresses.length)];
      const sentAt = nowMs();
      try {
        const reply = await session.send({
          from: 'sender@bench.example',
          to,
          data: buildMessage({ seq, to, sizeBytes }),
        });
        if (reply.code === 250) {
          accepted += 1;
          lastAcceptedAt = reply.at;
          acceptSamples.push(reply.at - sentAt);
        } else {
          refused += 1;
          const key = reply.text.split('\n')[0].slice(0, 80);
          refusals.set(key, (refusals.get(key) ?? 0) + 1);
        }
      } catch (error) {
        refused += 1;
        const key = String(error?.message ?? error).slice(0, 80);
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
        return;
      }
    }
  };

  let stored = 0;
  let storedAt = null;
  let lastProgressAt = nowMs();
  let sending = true;
  const poller = (async () => {
    while (storedAt === null) {
      const value = (await storedMetric().catch(() => null)) ?? baseMetric + stored;
      const now = nowMs();
      if (value - baseMetric > stored) lastProgressAt = now;
      stored = value - baseMetric;
      timeline.push([Math.round(now - started), stored]);
      progress.update(
        stored,
        `accepted ${accepted}  stored ${stored}${refused ? `  refused ${refused}` : ''}`,
      );
      if (!sending && stored >= accepted) storedAt = now;
      else if (now - lastProgressAt > STALL_TIMEOUT_MS) break;
      else await sleep(200);
    }
  })();

  await Promise.all(smtp.flatMap((session) => Array.from({ length: window }, () => lane(session))));
  sending = false;
  await poller;
  const usage = sampler?.stop();
  await Promise.all(smtp.map((session) => session.close()));
  const finalCount = (await countStored()) - baseCount;
  // Each store transaction moves an account's modseq once: how many messages one account-transaction carried.
  const { rows } = storedCount
    ? { rows: [{ n: null }] }
    : await db.query(
        `SELECT count(*)::int AS n FROM (SELECT DISTINCT account_id, modseq FROM mailbox.changes WHERE type = 'Email' AND at >= $1) AS moves`,
        [wallStart],
      );
  progress.done(`accepted ${accepted}, stored ${finalCount}`);

  const acceptSeconds = (lastAcceptedAt - started) / 1000;
  const storeSeconds = storedAt === null ? null : (storedAt - started) / 1000;
  return {
    window: { fromMs: Math.round(started), toMs: Math.round(storedAt ?? nowMs()) },
    messages,
    sizeBytes,
    sessions,
    windowPerSession: window,
    accepted,
    refused,
    refusals: Object.fromEntries(refusals),
    storedInDatabase: finalCount,
    accountTransactions: rows[0].n,
    messagesPerAccountTransaction: rows[0].n ? round(finalCount / rows[0].n, 2) : null,
    acceptedMsgsPerS: round(accepted / acceptSeconds),
    storedMsgsPerS: storeSeconds === null ? null : round(finalCount / storeSeconds),
    steadyStoredMsgsPerS: steadyRate(timeline, accepted),
    acceptSeconds: round(acceptSeconds, 2),
    storeSeconds: storeSeconds === null ? null : round(storeSeconds, 2),
    storedMiBPerS: storeSeconds === null ? null : round((finalCount * sizeBytes) / 1048576 / storeSeconds, 2),
    smtp_accept_ms: summarize(acceptSamples),
    usage,
  };
}

/** The storing rate between 10 % and 90 % of the messages, without the ramp-up and the tail. */
function steadyRate(timeline, total) {
  const at = (fraction) => timeline.find(([, stored]) => stored >= total * fraction);
  const low = at(0.1);
  const high = at(0.9);
  if (!low || !high || high[0] <= low[0]) return null;
  return round(((high[1] - low[1]) * 1000) / (high[0] - low[0]));
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
