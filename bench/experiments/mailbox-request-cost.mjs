// mailbox's CPU per internal JMAP request, server side: starts the platform on a PostgreSQL server of
// its own with the production settings (mailbox under --cpu-prof when --profile names a directory),
// stores one message for each of 20 accounts, then sends the request a woken ActiveSync Sync sends
// (Mailbox/get, Email/changes and two Email/get by back-reference) N times over 10 kept-alive
// connections, and prints mailbox's and PostgreSQL's CPU per request (/proc/<pid>/stat), the
// requests per second and the statements per request (pg_stat_statements).
//   node bench/experiments/mailbox-request-cost.mjs [--requests 20000] [--profile <dir>]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startPlatform, RegistryClient, sendPlainMail } from '@pushmail/testing';
import { openDatabase, postgresPids } from '../lib/platform-probes.mjs';
import { readProcess } from '../lib/procstat.mjs';
import { Progress } from '../lib/progress.mjs';
import { startTunedPostgres } from '../../tools/infra/index.mjs';
import { createAccounts } from '../scenarios/setup.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    profile: { type: 'string' },
    'kafka-brokers': { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:29092' },
  },
});
// A backend that has gone counts as no time.
const cpuSecondsOf = (pid) => readProcess(pid)?.cpuSeconds ?? 0;
const internalToken = randomBytes(24).toString('base64url');
const postgres = await startTunedPostgres({ log: (line) => console.log(`[postgres] ${line}`) });
const platform = await startPlatform({
  kafkaBrokers: values['kafka-brokers'],
  databaseUrl: postgres.url,
  freshDatabase: true,
  mode: 'test',
  mailDomains: ['cost.example'],
  internalToken,
  ...(values.profile
    ? { serviceEnv: { mailbox: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` } } }
    : {}),
});
try {
  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const accounts = await createAccounts({
    registry,
    domain: 'cost.example',
    prefix: 'cost',
    accounts: 20,
    devicesPerAccount: 0,
    progress: new Progress(),
    label: 'accounts',
  });
  for (const account of accounts)
    await sendPlainMail(platform.smtp, {
      from: 'a@b.example',
      to: account.address,
      subject: 'hi',
      text: 'hello',
    });
  const url = `http://127.0.0.1:${platform.ports.mailbox}`;
  const pool = new Pool(url, { connections: 10, pipelining: 1 });
  const call = async (accountId, request) => {
    const { statusCode, body } = await pool.request({
      path: '/internal/jmap',
      method: 'POST',
      headers: { authorization: `Bearer ${internalToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, request }),
    });
    const answer = await body.json();
    if (statusCode !== 200) throw new Error(`${statusCode} ${JSON.stringify(answer)}`);
    return answer;
  };
  const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'];
  // Wait until every account has its message, and learn a state before it.
  const states = new Map();
  for (const account of accounts) {
    for (;;) {
      const answer = await call(account.accountId, {
        using,
        methodCalls: [['Email/query', { accountId: account.accountId }, 'q']],
      });
      if (answer.methodResponses[0][1].ids?.length > 0) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    states.set(account.accountId, '0');
  }
  const syncRequest = (accountId) => ({
    using,
    methodCalls: [
      ['Mailbox/get', { accountId, properties: ['id', 'name', 'parentId', 'role'] }, 'm'],
      ['Email/changes', { accountId, sinceState: states.get(accountId), maxChanges: 500 }, 'c'],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
          properties: ['id', 'mailboxIds', 'keywords', 'receivedAt', 'subject', 'from', 'preview'],
        },
        'gc',
      ],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'c', name: 'Email/changes', path: '/updated' },
          properties: ['id', 'mailboxIds', 'keywords'],
        },
        'gu',
      ],
    ],
  });
  const pid = platform.processes.get('mailbox').pid;
  const db = await openDatabase(platform.databaseUrl);
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // Every backend of the database: mailbox's pool opens no new ones once warm.
  const { ours: backends } = await postgresPids(db);
  const pgCpu = () => backends.reduce((sum, backend) => sum + cpuSecondsOf(backend), 0);
  const total = Number(values.requests);
  let next = 0;
  await db.query('SELECT pg_stat_statements_reset()');
  const pgBefore = pgCpu();
  const cpuBefore = cpuSecondsOf(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < total) {
        const account = accounts[next++ % accounts.length];
        await call(account.accountId, syncRequest(account.accountId));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSecondsOf(pid) - cpuBefore;
  const pgSeconds = pgCpu() - pgBefore;
  const { rows } = await db.query(
    `SELECT query, calls::bigint AS calls FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC`,
  );
  const calls = rows.reduce((sum, row) => sum + Number(row.calls), 0);
  console.log(
    JSON.stringify(
      {
        requests: total,
        seconds: Math.round(seconds * 10) / 10,
        requestsPerSecond: Math.round(total / seconds),
        mailboxCpuMsPerRequest: Math.round((cpu / total) * 1e5) / 100,
        postgresCpuMsPerRequest: Math.round((pgSeconds / total) * 1e5) / 100,
        statementsPerRequest: Math.round((calls / total) * 100) / 100,
        statements: rows
          .slice(0, 10)
          .map(
            (row) =>
              `${(Number(row.calls) / total).toFixed(2)} ${row.query.replace(/\s+/g, ' ').slice(0, 110)}`,
          ),
      },
      null,
      1,
    ),
  );
  await pool.close();
  await db.end();
} finally {
  await platform.stop();
  await postgres.stop();
}
