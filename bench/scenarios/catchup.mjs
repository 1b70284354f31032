// Catch-up: a device goes offline, N messages reach its account, and it reconnects with the push
// state it last saw. Timed from the start of the reconnect until the device knows every change
// (Email/changes paged with maxChanges until hasMoreChanges is false), and separately until it
// also has the headers of every new message.
import { buildMessage } from '../lib/messages.mjs';
import { PipelinedSmtp } from '../lib/smtp-pipeline.mjs';
import { countEmails } from '../lib/platform-probes.mjs';
import { median, nowMs, sleep } from '../lib/stats.mjs';

const GET_BATCH = 500;

export async function prepareCatchup({
  platform,
  db,
  DeviceClient,
  account,
  changes,
  sessions,
  window,
  sizeBytes,
  progress,
  seqStart,
}) {
  const device = account.devices[0];
  const client = await connectWhenKnown(DeviceClient, platform.websocketUrl, device.token);
  let pushState;
  let emailState;
  try {
    client.enablePush(undefined, null);
    await client.request([['Core/echo', {}, 'e']], ['urn:ietf:params:jmap:core']);
    const change = client.nextStateChange(
      20_000,
      (stateChange) => stateChange.changed[account.accountId]?.Email !== undefined,
    );
    const first = await PipelinedSmtp.open(platform.smtp.host, platform.smtp.port);
    const reply = await first.send({
      from: 'sender@bench.example',
      to: account.address,
      data: buildMessage({ seq: seqStart, to: account.address, sizeBytes }),
    });
    await first.close();
    if (reply.code !== 250) throw new Error(`catch-up warm-up message refused: ${reply.text}`);
    const seen = await change;
    pushState = seen.pushState;
    emailState = seen.changed[account.accountId].Email;
  } finally {
    client.close();
  }

  // Offline now: deliver the changes it will have to catch up on.
  const base = await countEmails(db, account.accountId);
  const smtp = await Promise.all(
    Array.from({ length: sessions }, () => PipelinedSmtp.open(platform.smtp.host, platform.smtp.port)),
  );
  let next = 0;
  let accepted = 0;
  progress.start(`catch-up: deliver ${changes}`, changes);
  const started = nowMs();
  const lane = async (session) => {
    while (next < changes) {
      const seq = seqStart + 1 + next++;
      const reply = await session.send({
        from: 'sender@bench.example',
        to: account.address,
        data: buildMessage({ seq, to: account.address, sizeBytes }),
      });
      if (reply.code !== 250) throw new Error(`catch-up delivery refused: ${reply.text}`);
      accepted += 1;
    }
  };
  const sending = Promise.all(smtp.flatMap((session) => Array.from({ length: window }, () => lane(session))));
  let stored = 0;
  let done = false;
  sending.finally(() => (done = true));
  let lastChange = nowMs();
  while (!(done && stored >= accepted)) {
    const count = (await countEmails(db, account.accountId)) - base;
    if (count > stored) lastChange = nowMs();
    stored = count;
    progress.update(stored, `accepted ${accepted}  stored ${stored}`);
    if (nowMs() - lastChange > 60_000)
      throw new Error(`catch-up delivery stalled at ${stored} of ${changes}`);
    await sleep(250);
  }
  await sending;
  await Promise.all(smtp.map((session) => session.close()));
  const seconds = (nowMs() - started) / 1000;
  // One account's deliveries serialise on its partition and its row lock; each store transaction moves its modseq once.
  const { rows } = await db.query(
    `SELECT count(DISTINCT modseq)::int AS n FROM mailbox.changes WHERE account_id = $1 AND type = 'Email'`,
    [account.accountId],
  );
  progress.done(
    `${stored} stored in ${seconds.toFixed(1)} s (one account: ${Math.round(stored / seconds)} msg/s)`,
  );
  return {
    account,
    device,
    pushState,
    emailState,
    delivered: stored,
    oneAccountStoredMsgsPerS: Math.round(stored / seconds),
    storeTransactions: rows[0].n,
    messagesPerTransaction: Math.round((stored / Math.max(1, rows[0].n)) * 10) / 10,
  };
}

/** One reconnect: times to the catch-up StateChange, to knowing every change, to every header. */
export async function measureCatchup({ platform, DeviceClient, prepared, page }) {
  const { account, device, pushState, emailState } = prepared;
  const accountId = account.accountId;
  const started = nowMs();
  const client = await DeviceClient.connect(platform.websocketUrl, device.token);
  try {
    const connectedAt = nowMs();
    const catchUpPush = client.nextStateChange(20_000);
    client.enablePush(pushState, null);
    const change = await catchUpPush;
    const pushedAt = nowMs();
    if (change.pushState === pushState)
      throw new Error('the catch-up StateChange carried the old push state');

    let since = emailState;
    let calls = 0;
    const created = [];
    for (;;) {
      const [[name, result]] = await client.request(
        [['Email/changes', { accountId, sinceState: since, maxChanges: page }, 'c']],
        undefined,
        60_000,
      );
      calls += 1;
      if (name !== 'Email/changes') throw new Error(`Email/changes failed: ${JSON.stringify(result)}`);
      created.push(...result.created);
      since = result.newState;
      if (!result.hasMoreChanges) break;
    }
    const changesKnownAt = nowMs();

    for (let start = 0; start < created.length; start += GET_BATCH) {
      const [[name, result]] = await client.request(
        [
          [
            'Email/get',
            {
              accountId,
              ids: created.slice(start, start + GET_BATCH),
              properties: ['subject', 'from', 'receivedAt', 'preview'],
            },
            'g',
          ],
        ],
        undefined,
        60_000,
      );
      if (name !== 'Email/get' || result.list.length === 0)
        throw new Error(`Email/get failed: ${JSON.stringify(result).slice(0, 300)}`);
    }
    const headersAt = nowMs();
    return {
      changes: created.length,
      changesCalls: calls,
      connectMs: round(connectedAt - started),
      pushMs: round(pushedAt - started),
      catchupMs: round(changesKnownAt - started),
      withHeadersMs: round(headersAt - started),
    };
  } finally {
    client.close();
  }
}

export function summarizeCatchup(runs) {
  return {
    changes: runs[0]?.changes ?? 0,
    changesCalls: runs[0]?.changesCalls ?? 0,
    connectMs: median(runs.map((run) => run.connectMs)),
    pushMs: median(runs.map((run) => run.pushMs)),
    catchupMs: median(runs.map((run) => run.catchupMs)),
    withHeadersMs: median(runs.map((run) => run.withHeadersMs)),
  };
}

async function connectWhenKnown(DeviceClient, url, token) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await DeviceClient.connect(url, token);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

function round(value) {
  return Math.round(value * 10) / 10;
}
