// Command-line flags of `npm run bench`. Every size and rate is a flag; --quick picks small ones.
import { parseArgs } from 'node:util';

export const SCENARIOS = [
  'latency',
  'ingest',
  'catchup',
  'density',
  'eas',
  'outbound',
  'baseline',
  'scaling',
];
/**
 * Run unless --only names others. The baseline needs Postfix and Dovecot, and store scaling fills
 * mailboxes to hundreds of thousands of rows: both are asked for by name.
 */
const DEFAULT_SCENARIOS = SCENARIOS.filter((name) => name !== 'baseline' && name !== 'scaling');

const FULL = {
  repeat: 3,
  devices: 10_000,
  'devices-per-account': 10,
  'fetchers-per-account': 1,
  rate: 100,
  duration: 60,
  senders: 4,
  'ingest-messages': 10_000,
  'ingest-large-messages': 1000,
  'ingest-sessions': 20,
  'ingest-window': 4,
  size: 4096,
  'large-size': 102_400,
  connections: 18_000,
  'fanout-devices': 1000,
  'fanout-rounds': 3,
  workers: 4,
  'source-addresses': 8,
  'ping-interval-ms': 30_000,
  'idle-seconds': 35,
  'settle-seconds': 5,
  'kafka-port': 20092,
  'catchup-changes': 10_000,
  'catchup-page': 5000,
  'eas-devices': 5000,
  'eas-devices-per-account': 1,
  'eas-rate': 100,
  'eas-duration': 60,
  'eas-heartbeat': 900,
  'classic-port': 0,
  'postgres-port': 0,
  'scaling-accounts': 1000,
  'scaling-devices-per-account': 1,
  'scaling-rate': 50,
  'scaling-duration': 30,
  'scaling-ingest-messages': 3000,
  'outbound-rate': 20,
  'outbound-duration': 20,
  'outbound-accounts': 20,
  'sink-port': 0,
};

const QUICK = {
  ...FULL,
  repeat: 1,
  devices: 150,
  'devices-per-account': 2,
  duration: 8,
  'ingest-messages': 1000,
  'ingest-large-messages': 100,
  connections: 1500,
  'fanout-devices': 20,
  'fanout-rounds': 2,
  'ping-interval-ms': 3000,
  'idle-seconds': 5,
  'settle-seconds': 2,
  'catchup-changes': 1000,
  'eas-devices': 200,
  'eas-rate': 20,
  'eas-duration': 8,
  'scaling-accounts': 20,
  'scaling-rate': 20,
  'scaling-duration': 8,
  'scaling-ingest-messages': 300,
  'outbound-rate': 10,
  'outbound-duration': 10,
  'outbound-accounts': 10,
};

/** Messages in the whole store at each step, spread over --scaling-accounts accounts. */
const FULL_SCALING_SIZES = [0, 100_000, 500_000];
const QUICK_SCALING_SIZES = [0, 2000, 10_000];

const HELP = `npm run bench -- [flags]

  --quick                      small sizes, one repeat (under two minutes)
  --repeat N                   runs per measurement; results are medians (full: 3, quick: 1)
  --only a,b                   scenarios to run: ${SCENARIOS.join(', ')} (default: all but baseline)
  --profile                    services run with --cpu-prof; profiles cover the ingest run only
  --no-build                   skip \`nx run-many -t build\`
  --out FILE                   where the results go (default bench/results/latest.json)
  --kafka-port P               port of the broker started for the benchmark alone (${FULL['kafka-port']}; its
                               controller listens on P+1); the services' consumer group and topic names are
                               fixed, so a broker shared with another running platform (tests) would mix their
                               traffic with the benchmark's. The default is clear of the development brokers'
                               ports (tools/infra's 19092 and the 29092 this repository's docs and test commands
                               use), and below the kernel's ephemeral port range
  --no-analyze                 do not ANALYZE the bench database before each measured run (autovacuum
                               would on a production server)
  --shared-kafka               use the usual local broker (127.0.0.1:19092) anyway
                               (KAFKA_BROKERS / DATABASE_URL, when set, are used as they are)
  --database-url URL           use this PostgreSQL server instead of the private one the benchmark starts
                               with the production settings of docs/performance.md (DATABASE_URL likewise)
  --postgres-port P            port of that private server (default: a free one)
  --service-node-options "…"   added to every service's NODE_OPTIONS (V8 flags such as
                               --max-semi-space-size=32), not to the bench's own processes

 push latency
  --devices D                  devices connected over WebSocket (${FULL.devices}; quick ${QUICK.devices})
  --devices-per-account K      devices per account (${FULL['devices-per-account']})
  --fetchers-per-account F     devices per account that fetch (Email/changes + Email/get) on a push (${FULL['fetchers-per-account']})
  --rate R                     messages per second over SMTP (${FULL.rate})
  --duration S                 seconds of sending per run (${FULL.duration}; quick ${QUICK.duration})
  --senders N                  SMTP sessions sending them, pipelined (${FULL.senders})
  --sweep R1,R2,…              also one run at each of these rates (latency against load)
 ingest
  --ingest-messages N          small messages per run (${FULL['ingest-messages']}; quick ${QUICK['ingest-messages']})
  --ingest-large-messages N    large messages per run (${FULL['ingest-large-messages']}; quick ${QUICK['ingest-large-messages']}; 0 skips)
  --ingest-sessions N          concurrent SMTP sessions (${FULL['ingest-sessions']})
  --ingest-window N            transactions in flight per session (${FULL['ingest-window']})
  --size BYTES                 small message size (${FULL.size})
  --large-size BYTES           large message size (${FULL['large-size']})
 catch-up
  --catchup-changes N          messages delivered while the device is offline (${FULL['catchup-changes']}; quick ${QUICK['catchup-changes']})
  --catchup-page N             maxChanges per Email/changes call (${FULL['catchup-page']}; the server caps it at 5000)
 ActiveSync Direct Push (eas)
  --eas-devices N              phones with a parked Ping on the gateway (${FULL['eas-devices']}; quick ${QUICK['eas-devices']})
  --eas-devices-per-account K  phones per account (${FULL['eas-devices-per-account']})
  --eas-rate R                 messages per second over SMTP (${FULL['eas-rate']}; quick ${QUICK['eas-rate']})
  --eas-duration S             seconds of sending (${FULL['eas-duration']}; quick ${QUICK['eas-duration']})
  --eas-heartbeat S            the Pings' HeartbeatInterval (${FULL['eas-heartbeat']}; 60…3540)
 sending (outbound)
  --outbound-rate R            JMAP submissions per second to a remote domain (${FULL['outbound-rate']}; quick ${QUICK['outbound-rate']})
  --outbound-duration S        seconds of submitting (${FULL['outbound-duration']}; quick ${QUICK['outbound-duration']})
  --outbound-accounts N        sending accounts, one device each (${FULL['outbound-accounts']}; quick ${QUICK['outbound-accounts']})
  --sink-port P                port of the SMTP sink playing the remote MX host (default: a free one)
 classic-stack baseline (--baseline classic: pushmail's latency and ingest runs, then the same loads
                               against the classic stack; --only baseline is the same)
  --classic-port P             Postfix SMTP on P, Dovecot LMTP on P+1 and IMAP on P+2 (default: free ports);
                               Postfix and Dovecot come from Debian's packages, installed when missing (root)
 store scaling (--only scaling)
  --scaling-sizes N1,N2,…      messages in the store at each step, spread over the accounts, in
                               increasing order (full: ${FULL_SCALING_SIZES.join(',')}; quick: ${QUICK_SCALING_SIZES.join(',')})
  --scaling-accounts N         accounts filled (${FULL['scaling-accounts']}; quick ${QUICK['scaling-accounts']})
  --scaling-devices-per-account K  devices per account, one fetching (${FULL['scaling-devices-per-account']})
  --scaling-rate R             messages per second of the latency run at each step (${FULL['scaling-rate']}; quick ${QUICK['scaling-rate']})
  --scaling-duration S         seconds of that run (${FULL['scaling-duration']}; quick ${QUICK['scaling-duration']})
  --scaling-ingest-messages N  messages of the ingest burst at each step (${FULL['scaling-ingest-messages']}; quick ${QUICK['scaling-ingest-messages']})
 connection density
  --connections C              idle sockets on the one push-delivery process (${FULL.connections}; quick ${QUICK.connections})
  --fanout-devices N           devices of the fan-out account, shared by the sockets (${FULL['fanout-devices']}; quick ${QUICK['fanout-devices']})
  --fanout-rounds N            pushes timed to all sockets per run (${FULL['fanout-rounds']})
  --workers N                  client processes holding the sockets (${FULL.workers})
  --source-addresses N         loopback source addresses 127.0.0.2… (${FULL['source-addresses']})
  --ping-interval-ms MS        WS_PING_INTERVAL_MS of push-delivery (${FULL['ping-interval-ms']}; quick ${QUICK['ping-interval-ms']})
  --idle-seconds S             idle window for the CPU measurement (${FULL['idle-seconds']}; quick ${QUICK['idle-seconds']})
  --settle-seconds S           wait before reading memory (${FULL['settle-seconds']}; quick ${QUICK['settle-seconds']})
`;

export function parseOptions(argv = process.argv.slice(2)) {
  const numeric = Object.keys(FULL);
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'shared-kafka': { type: 'boolean', default: false },
      'no-analyze': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      only: { type: 'string' },
      sweep: { type: 'string' },
      'scaling-sizes': { type: 'string' },
      out: { type: 'string' },
      'database-url': { type: 'string' },
      baseline: { type: 'string' },
      'service-node-options': { type: 'string' },
      ...Object.fromEntries(numeric.map((name) => [name, { type: 'string' }])),
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const defaults = values.quick ? QUICK : FULL;
  const options = {
    quick: values.quick,
    profile: values.profile,
    build: !values['no-build'],
    out: values.out,
    databaseUrl: values['database-url'],
    serviceNodeOptions: values['service-node-options']?.trim() ?? '',
  };
  for (const name of numeric) {
    const raw = values[name];
    const value = raw === undefined ? defaults[name] : Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${name} must be a non-negative number, not ${raw}`);
    options[camel(name)] = value;
  }
  options.sweep = values.sweep
    ? values.sweep
        .split(',')
        .map(Number)
        .filter((rate) => rate > 0)
    : [];
  options.scalingSizes = values['scaling-sizes']
    ? values['scaling-sizes'].split(',').map(Number)
    : values.quick
      ? QUICK_SCALING_SIZES
      : FULL_SCALING_SIZES;
  if (
    options.scalingSizes.some(
      (size, index) =>
        !Number.isInteger(size) || size < 0 || (index > 0 && size < options.scalingSizes[index - 1]),
    )
  )
    throw new Error(
      `--scaling-sizes must be whole numbers in increasing order, not ${values['scaling-sizes']}`,
    );
  if (options.scalingAccounts < 1 || options.scalingDevicesPerAccount < 1)
    throw new Error('--scaling-accounts and --scaling-devices-per-account must be at least 1');
  options.scenarios = values.only
    ? values.only.split(',').map((name) => name.trim())
    : [...DEFAULT_SCENARIOS];
  if (values.baseline !== undefined) {
    if (values.baseline !== 'classic')
      throw new Error(`--baseline: the one baseline is classic (Postfix + Dovecot), not ${values.baseline}`);
    if (!options.scenarios.includes('baseline')) options.scenarios.push('baseline');
  }
  // The baseline is compared with pushmail's push latency and ingest in the same run.
  for (const measured of ['ingest', 'latency'])
    if (options.scenarios.includes('baseline') && !options.scenarios.includes(measured))
      options.scenarios.unshift(measured);
  for (const name of options.scenarios) {
    if (!SCENARIOS.includes(name))
      throw new Error(`--only: unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
  }
  if (options.repeat < 1) throw new Error('--repeat must be at least 1');
  if (options.devicesPerAccount < 1 || options.devicesPerAccount > 1000)
    throw new Error('--devices-per-account must be 1…1000');
  if (options.easDevicesPerAccount < 1 || options.easDevicesPerAccount > 1000)
    throw new Error('--eas-devices-per-account must be 1…1000');
  if (options.easHeartbeat < 60 || options.easHeartbeat > 3540)
    throw new Error("--eas-heartbeat must be 60…3540 (the gateway's heartbeat bounds)");
  if (options.fanoutDevices > 1000)
    throw new Error('--fanout-devices is at most 1000 (the registry allows 1000 per account)');
  return options;
}

function camel(name) {
  return name.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
}
