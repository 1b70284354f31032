// The cost of a Sync with a sync window: one phone whose Inbox holds N messages, all within a
// one-week window (FilterType 3), synced to the end; then R rounds of one new message (sent over
// SMTP and waited for until stored, outside the measure) and one Sync with that FilterType, which
// adds it. Measured around each Sync only: the gateway's requests and JMAP method calls to mailbox
// (its metrics), and the CPU time of activesync, mailbox and PostgreSQL (/proc), their idle rate
// subtracted. It measures the build of the checkout it runs from: copy it into another checkout to
// measure that one, and alternate the two.
//   node bench/experiments/eas-window-sync.mjs [--messages 2000] [--rounds 40] [--filter-type 3] \
//     [--kafka-port 29792] [--postgres-port <free>]
import { parseArgs } from 'node:util';
import { el } from '@pushmail/activesync';
import { RegistryClient } from '@pushmail/testing';
import { closeEasAgent, EasDevice } from '../lib/eas-device.mjs';
import { startIsolatedPlatform } from '../lib/isolated-platform.mjs';
import { loadAverage, readProcess } from '../lib/procstat.mjs';
import { openDatabase, postgresPids, readMetric, waitRecipientKnown } from '../lib/platform-probes.mjs';
import { Progress } from '../lib/progress.mjs';
import { median, sleep } from '../lib/stats.mjs';
import { createAccounts } from '../scenarios/setup.mjs';
import { runIngest } from '../scenarios/ingest.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '40' },
    'filter-type': { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '10' },
    'kafka-port': { type: 'string', default: '29792' },
    'postgres-port': { type: 'string', default: '' },
  },
});
const DOMAIN = 'bench.example';
const progress = new Progress();
const log = (message) => progress.log(`[window-sync] ${message}`);

const { platform, stop } = await startIsolatedPlatform({
  kafkaPort: values['kafka-port'],
  postgresPort: values['postgres-port'],
  domain: DOMAIN,
  log,
  beforeStop: closeEasAgent,
});

/** One Sync of the Inbox within the window (after the first, 100 changes at a time, plain bodies). */
const windowedSync = (device, filterType) =>
  device.syncInbox(
    el(
      'AirSync',
      'Options',
      el('AirSync', 'FilterType', filterType),
      el(
        'AirSyncBase',
        'BodyPreference',
        el('AirSyncBase', 'Type', '1'),
        el('AirSyncBase', 'TruncationSize', '512'),
      ),
    ),
  );

try {
  const db = await openDatabase(platform.databaseUrl);
  const pg = await postgresPids(db);
  const pids = {
    activesync: () => [platform.processes.get('activesync').pid],
    mailbox: () => [platform.processes.get('mailbox').pid],
    postgres: () => [...pg.ours, ...pg.background],
  };
  /** CPU seconds of each process of each name, by pid. */
  const cpu = () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, of]) => [
        name,
        new Map(of().map((pid) => [pid, readProcess(pid)?.cpuSeconds])),
      ]),
    );
  /**
   * CPU seconds each name spent from one reading to the next, over the processes present at both:
   * a PostgreSQL backend that ended meanwhile takes its time with it, and would count as negative.
   */
  const spentBetween = (from, to) =>
    Object.fromEntries(
      Object.keys(pids).map((name) => {
        let seconds = 0;
        for (const [pid, before] of from[name]) {
          const after = to[name].get(pid);
          if (before !== undefined && after !== undefined) seconds += after - before;
        }
        return [name, seconds];
      }),
    );
  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const [account] = await createAccounts({
    registry,
    domain: DOMAIN,
    prefix: 'window',
    accounts: 1,
    devicesPerAccount: 1,
    progress,
    label: 'account',
  });
  await waitRecipientKnown(platform.smtp, account.address);
  const messages = Number(values.messages);
  const deliver = (count, seqStart, label) =>
    runIngest({
      platform,
      db,
      addresses: [account.address],
      messages: count,
      sizeBytes: 4096,
      sessions: Math.min(4, count),
      window: 4,
      progress,
      label,
      seqStart,
    });
  await deliver(messages, 1, `${messages} messages to the Inbox`);

  const filterType = values['filter-type'];
  const device = new EasDevice(platform.activesyncUrl, {
    address: account.address,
    accountId: account.accountId,
    ...account.devices[0],
  });
  await device.folderSync();
  let held = 0;
  for (;;) {
    const answer = await windowedSync(device, filterType);
    held += answer.added;
    if (device.syncKey !== '0' && held > 0 && !answer.more) break;
  }
  log(`the phone holds ${held} messages`);

  await sleep(3000);
  Object.assign(pg, await postgresPids(db));
  const idleFrom = cpu();
  const idleStart = performance.now();
  await sleep(Number(values['idle-seconds']) * 1000);
  const idleTo = cpu();
  const idleSeconds = (performance.now() - idleStart) / 1000;
  const idleSpent = spentBetween(idleFrom, idleTo);
  const idleRate = Object.fromEntries(Object.keys(pids).map((name) => [name, idleSpent[name] / idleSeconds]));

  const rounds = Number(values.rounds);
  const spent = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const requests = [];
  const calls = [];
  const syncMs = [];
  let added = 0;
  progress.start('one new message, one Sync', rounds);
  for (let round = 1; round <= rounds; round += 1) {
    await deliver(1, messages + round, `message ${round}`);
    // The delivery's own work (mailbox's change event, the gateway's consumer) settles first.
    await sleep(500);
    Object.assign(pg, await postgresPids(db));
    const requestsBefore = await readMetric(
      platform.activesyncUrl,
      'pushmail_activesync_mailbox_requests_total',
    );
    const callsBefore = await readMetric(
      platform.activesyncUrl,
      'pushmail_activesync_mailbox_method_calls_total',
    );
    const before = cpu();
    const started = performance.now();
    const answer = await windowedSync(device, filterType);
    const elapsedS = (performance.now() - started) / 1000;
    const after = cpu();
    requests.push(
      (await readMetric(platform.activesyncUrl, 'pushmail_activesync_mailbox_requests_total')) -
        requestsBefore,
    );
    calls.push(
      (await readMetric(platform.activesyncUrl, 'pushmail_activesync_mailbox_method_calls_total')) -
        callsBefore,
    );
    const during = spentBetween(before, after);
    for (const name of Object.keys(pids)) spent[name] += during[name] - idleRate[name] * elapsedS;
    syncMs.push(elapsedS * 1000);
    added += answer.added;
    progress.update(round);
  }
  progress.done();
  const perSyncMs = Object.fromEntries(
    Object.entries(spent).map(([name, seconds]) => [name, Math.round((seconds / rounds) * 1e5) / 100]),
  );
  perSyncMs.total = Math.round(Object.values(perSyncMs).reduce((total, ms) => total + ms, 0) * 100) / 100;
  console.log(
    JSON.stringify({
      messages,
      held,
      filterType: Number(filterType),
      rounds,
      added,
      mailboxRequestsPerSync: median(requests),
      mailboxMethodCallsPerSync: median(calls),
      cpuMsPerSync: perSyncMs,
      syncMsP50: Math.round(median(syncMs) * 10) / 10,
      idlePercentOfCore: Object.fromEntries(
        Object.entries(idleRate).map(([name, rate]) => [name, Math.round(rate * 1000) / 10]),
      ),
      loadAverage: loadAverage(),
    }),
  );
  await db.end();
} finally {
  await stop();
}
