// What a parked ActiveSync Ping costs the gateway, measured as the eas scenario measures it (RSS and
// JS heap after a forced full GC, before and after parking N Pings, divided by N), without the rest
// of the benchmark; and, with --floor, what a bare Node HTTP server holding N POSTs open costs (the
// floor under the gateway's number). With --snapshots, the heap's growth by kind of object, per Ping.
//   node bench/experiments/eas-ping-memory.mjs [--phones 2000] [--per-account 10] [--snapshots]
//   node bench/experiments/eas-ping-memory.mjs --floor [--phones 2000]
// Runs against the built tree (dist/) with KAFKA_BROKERS and DATABASE_URL; its ports are taken from
// PUSHMAIL_LISTEN_PORTS ("low-high") when set.
import { fork } from 'node:child_process';
import { createServer, request } from 'node:http';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  collectGarbage,
  heapGrowth,
  heapSnapshotSummary,
  INSPECTOR_LINE,
  summarizeHeapSnapshot,
} from '../lib/inspector.mjs';
import WebSocket from 'ws';
import { readMetric as readMetricOnce } from '../lib/platform-probes.mjs';
import { readProcess } from '../lib/procstat.mjs';
import { Progress } from '../lib/progress.mjs';
import { sleep } from '../lib/stats.mjs';
import { createAccounts } from '../scenarios/setup.mjs';
import { canListen, configuredListenRange, pickListenPorts } from '../../tools/infra/ports.mjs';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== 'floor-server'),
  options: {
    phones: { type: 'string', default: '2000' },
    'per-account': { type: 'string', default: '10' },
    heartbeat: { type: 'string', default: '900' },
    floor: { type: 'boolean', default: false },
    snapshots: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const phoneCount = Number(values.phones);
const perAccount = Number(values['per-account']);
const heartbeatSeconds = Number(values.heartbeat);

if (process.argv[2] === 'floor-server') {
  // The floor: an HTTP server that reads each POST's body and holds its response, nothing else.
  const held = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      held.add(res);
      res.on('close', () => held.delete(res));
    });
  });
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (message) => {
    if (message !== 'measure') return;
    for (let round = 0; round < 3; round += 1) globalThis.gc();
    setTimeout(() => {
      const usage = process.memoryUsage();
      process.send({ held: held.size, rss: readProcess(process.pid).rssBytes, heapUsed: usage.heapUsed });
    }, 500);
  });
} else if (values.floor) {
  await measureFloor();
} else {
  await measureGateway();
}

async function measureFloor() {
  const server = fork(fileURLToPath(import.meta.url), ['floor-server'], { execArgv: ['--expose-gc'] });
  const { port } = await new Promise((resolve) => server.once('message', resolve));
  const measure = () =>
    new Promise((resolve) => {
      server.once('message', resolve);
      server.send('measure');
    });
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const before = await measure();
  const body = Buffer.alloc(40, 1);
  const requests = [];
  for (let index = 0; index < phoneCount; index += 1) {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      agent,
      path: `/Microsoft-Server-ActiveSync?Cmd=Ping&User=u${index}%40bench.example&DeviceId=dev-${index}&DeviceType=BenchPhone`,
      headers: {
        authorization: `Bearer pmd_${'x'.repeat(43)}`,
        'content-type': 'application/vnd.ms-sync.wbxml',
        'content-length': body.length,
        'ms-asprotocolversion': '14.1',
        'user-agent': 'BenchPhone/1.0',
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    requests.push(req);
  }
  let after = await measure();
  while (after.held < phoneCount) {
    await sleep(250);
    after = await measure();
  }
  print({
    what: 'bare Node HTTP server holding parked POSTs',
    parked: after.held,
    rssBytesPerPing: Math.round((after.rss - before.rss) / after.held),
    heapBytesPerPing: Math.round((after.heapUsed - before.heapUsed) / after.held),
  });
  agent.destroy();
  server.kill();
}

async function measureGateway() {
  const { startPlatform, RegistryClient } = await import('@pushmail/testing');
  const { closeEasAgent, EasDevice } = await import('../lib/eas-device.mjs');
  const progress = new Progress();
  const [inspectPort, ...ports] = await listenPorts(9);
  const names = ['smtp', 'push', 'registry', 'mailbox', 'ingest', 'operations', 'activesync', 'outbound'];
  let inspectorUrl;
  progress.start('platform', null);
  const platform = await startPlatform({
    kafkaBrokers: requiredEnv('KAFKA_BROKERS'),
    databaseUrl: requiredEnv('DATABASE_URL'),
    freshDatabase: true,
    mailDomains: ['bench.example'],
    ports: Object.fromEntries(names.map((name, index) => [name, ports[index]])),
    readyTimeoutMs: 600_000,
    onLogLine: (service, line) => {
      const match = service === 'activesync' ? INSPECTOR_LINE.exec(line) : null;
      if (match) inspectorUrl = match[1];
    },
    serviceEnv: {
      'device-registry': { MAX_DEVICES_PER_ACCOUNT: String(Math.max(10, perAccount)) },
      activesync: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` },
    },
  });
  progress.done();
  try {
    const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
    const accounts = await createAccounts({
      registry,
      domain: 'bench.example',
      prefix: 'eas',
      accounts: Math.ceil(phoneCount / perAccount),
      devicesPerAccount: perAccount,
      progress,
      label: 'setup: EAS phones',
      lanes: 4,
    });
    const baseUrl = platform.activesyncUrl;
    const phones = accounts.flatMap((account) =>
      account.devices.map(
        (device) =>
          new EasDevice(baseUrl, { address: account.address, accountId: account.accountId, ...device }),
      ),
    );
    progress.start('FolderSync + Sync', phones.length);
    let ready = 0;
    await inLanes(phones, 20, async (phone) => {
      await phone.folderSync();
      await phone.syncToEnd();
      progress.update(++ready);
    });
    progress.done();

    const rl = Number(values.rounds) > 1 ? createInterface({ input: process.stdin }) : undefined;
    const lines = rl?.[Symbol.asyncIterator]();
    let snapshots = values.snapshots;
    for (let round = 1; round <= Number(values.rounds); round += 1) {
      if (round > 1) {
        // Between rounds (say, after a rebuild): a fresh gateway, and one Sync of every phone so that
        // what a served device costs is in the "before", as after the scenario's FolderSync + Sync.
        progress.log(`round ${round}: a line ("snap" for snapshots) restarts activesync and measures again`);
        snapshots = (await lines.next()).value?.trim() === 'snap';
        closeEasAgent();
        inspectorUrl = undefined;
        await platform.restart('activesync');
        progress.start('Sync', phones.length);
        ready = 0;
        await inLanes(phones, 20, async (phone) => {
          await phone.syncToEnd();
          progress.update(++ready);
        });
        progress.done();
      }
      print({ round, ...(await measureOnce(platform, phones, inspectorUrl, progress, snapshots)) });
    }
    rl?.close();
    closeEasAgent();
  } finally {
    await platform.stop();
  }
}

async function measureOnce(platform, phones, inspectorUrl, progress, snapshots) {
  const baseUrl = platform.activesyncUrl;
  const pid = platform.processes.get('activesync').pid;
  const settled = async () => {
    await collectGarbage(inspectorUrl);
    await sleep(500);
    const metrics = await scrape(baseUrl);
    return {
      rssBytes: readProcess(pid).rssBytes,
      heapBytes: metrics.value('nodejs_heap_size_used_bytes'),
      // What V8 keeps committed besides what is used, and of it the young generation's share: RSS
      // that the heap's growth per Ping does not show.
      heapTotalBytes: metrics.value('nodejs_heap_size_total_bytes'),
      newSpaceBytes: metrics.value('nodejs_heap_space_size_total_bytes', { space: 'new' }),
    };
  };
  await sleep(2000);
  const before = await settled();
  const snapshotBefore = snapshots ? await heapSnapshotSummary(inspectorUrl) : undefined;

  progress.start(`park ${phones.length} Pings`, phones.length);
  // A Ping answered or refused before it parked (a change still pending, a 503) is sent again, as
  // the scenario's phones do, until the measurement is taken.
  let measuring = true;
  const park = (phone) =>
    phone
      .ping(heartbeatSeconds, () => performance.now())
      .catch(() => sleep(1000))
      .then(() => measuring && park(phone));
  for (const phone of phones) void park(phone);
  let parked = 0;
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline && parked < phones.length) {
    await sleep(250);
    parked = (await readMetric(baseUrl, 'pushmail_activesync_parked_pings')) ?? 0;
    progress.update(parked);
  }
  progress.done(`${parked} parked`);
  await sleep(2000);
  const after = await settled();
  parked = (await readMetric(baseUrl, 'pushmail_activesync_parked_pings')) ?? 0;
  measuring = false;
  const result = {
    what: 'the gateway holding parked Pings',
    parked,
    rssBytesPerPing: Math.round((after.rssBytes - before.rssBytes) / parked),
    heapBytesPerPing: Math.round((after.heapBytes - before.heapBytes) / parked),
    rssMiBBefore: mib(before.rssBytes),
    rssMiBAfter: mib(after.rssBytes),
    heapMiBBefore: mib(before.heapBytes),
    heapMiBAfter: mib(after.heapBytes),
    heapTotalMiBBefore: mib(before.heapTotalBytes),
    heapTotalMiBAfter: mib(after.heapTotalBytes),
    newSpaceMiBBefore: mib(before.newSpaceBytes),
    newSpaceMiBAfter: mib(after.newSpaceBytes),
  };
  if (snapshotBefore) {
    const raw = await rawHeapSnapshot(inspectorUrl);
    result.closuresPerPing = closuresByLocation(raw.snapshot, raw.scripts, parked);
    const growth = heapGrowth(snapshotBefore, summarizeHeapSnapshot(raw.snapshot), 40);
    result.heapSnapshotBytesPerPing = Math.round((growth.totalBytesAfter - growth.totalBytesBefore) / parked);
    result.perPingByKind = growth.byBytes
      .filter((row) => row.bytesGrowth > parked * 8)
      .map((row) => ({
        kind: row.kind,
        bytes: Math.round(row.bytesGrowth / parked),
        count: Math.round((row.countGrowth / parked) * 10) / 10,
      }));
  }
  return result;
}

/** A heap snapshot as V8 writes it, with the URL of every script its closures' locations name. */
async function rawHeapSnapshot(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const chunks = [];
  const scripts = new Map();
  const pending = new Map();
  let id = 0;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params.chunk);
    else if (message.method === 'Debugger.scriptParsed')
      scripts.set(Number(message.params.scriptId), message.params.url);
    else if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Debugger.enable');
  await call('Debugger.disable');
  await call('HeapProfiler.enable');
  await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  socket.close();
  return { snapshot: JSON.parse(chunks.join('')), scripts };
}

/** Closures by where their function is written, the most numerous first, as counts per Ping. */
function closuresByLocation(snapshot, scripts, parked) {
  const meta = snapshot.snapshot.meta;
  const locationStride = meta.location_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const closureType = meta.node_types[0].indexOf('closure');
  const counts = new Map();
  for (let index = 0; index < snapshot.locations.length; index += locationStride) {
    const node = snapshot.locations[index];
    if (snapshot.nodes[node + typeAt] !== closureType) continue;
    const script = scripts.get(snapshot.locations[index + 1]) ?? '?';
    const where = `${snapshot.strings[snapshot.nodes[node + nameAt]] || '(anonymous)'} ${script
      .replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')
      .replace(/^node:/, 'node:')}:${snapshot.locations[index + 2] + 1}`;
    counts.set(where, (counts.get(where) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count >= parked * 0.9)
    .sort((a, b) => b[1] - a[1])
    .map(([where, count]) => `${Math.round((count / parked) * 10) / 10} ${where}`);
}

async function listenPorts(count) {
  const range = configuredListenRange();
  if (!range) return pickListenPorts(count);
  const picked = [];
  for (let port = range.low; port <= range.high && picked.length < count; port += 1)
    if (await canListen(port)) picked.push(port);
  if (picked.length < count)
    throw new Error(`only ${picked.length} free ports in ${range.low}-${range.high}`);
  return picked;
}

async function inLanes(items, lanes, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** All the gateway's metrics, scraped once; a scrape that times out is tried again. */
async function scrape(baseUrl) {
  const { scrapeMetrics } = await import('@pushmail/testing');
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await scrapeMetrics(baseUrl);
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1000);
    }
  }
}

/** A metric of the gateway; a scrape that times out (the gateway busy parking) is tried again. */
async function readMetric(baseUrl, name) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readMetricOnce(baseUrl, name);
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1000);
    }
  }
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

function mib(bytes) {
  return Math.round((bytes / 1048576) * 10) / 10;
}

function print(result) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
