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
import { easRequests, el, child, childText, children, syncCollectionOf } from '@pushmail/activesync';
import { startPlatform, RegistryClient } from '@pushmail/testing';
import { ensureInfrastructure, startTunedPostgres } from '../../tools/infra/index.mjs';
import { closeEasAgent, EasDevice } from '../lib/eas-device.mjs';
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

process.env.PUSHMAIL_KAFKA_PORT = values['kafka-port'];
process.env.PUSHMAIL_KAFKA_JAVA_OPTS ??= '-XX:TieredStopAtLevel=4';
const postgres = await startTunedPostgres({ port: Number(values['postgres-port']) || undefined, log });
process.env.DATABASE_URL = postgres.url;
const infra = await ensureInfrastructure({ purpose: 'start', log, fresh: true });
let platform;
const stop = async () => {
  closeEasAgent();
  await platform?.stop().catch(() => undefined);
  await infra.stop().catch(() => undefined);
  await postgres.stop().catch(() => undefined);
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

/** One Sync of the Inbox within the window (after the first, 100 changes at a time, plain bodies). */
async function windowedSync(device, filterType) {
  const later = device.syncKey !== '0';
  const { body } = await device.retrying(
    'Sync',
    easRequests.sync(
      device.inboxId,
      device.syncKey,
      later && el('AirSync', 'WindowSize', '100'),
      later &&
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
    ),
  );
  const collection = syncCollectionOf(body);
  const status = collection ? childText(collection, 'Status') : childText(body, 'Status');
  if (status !== '1') throw new Error(`Sync answered Status ${status}`);
  device.syncKey = childText(collection, 'SyncKey');
  const commands = child(collection, 'Commands');
  return {
    added: commands ? children(commands, 'Add').length : 0,
    deleted: commands ? children(commands, 'Delete').length : 0,
    more: child(collection, 'MoreAvailable') !== undefined,
  };
}

try {
  platform = await startPlatform({
    readyTimeoutMs: 600_000,
    kafkaBrokers: infra.kafkaBrokers,
    databaseUrl: infra.databaseUrl,
    freshDatabase: true,
    mode: 'development',
    mailDomains: [DOMAIN],
    serviceEnv: { ingest: { SMTP_MAX_CLIENTS_PER_ADDRESS: '100000' } },
  });
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
