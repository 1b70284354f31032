// An edge service's CPU per request to mailbox, client side only: each build's MailboxClient sends the
// request of a Ping's check (Email/changes and two Email/get by back-reference) to a stand-in mailbox
// in another process that answers a fixed JSON body, N times in 10 lanes; CPU is this process's
// (process.cpuUsage), so the answers' cost in the stand-in is not counted. Rounds alternate builds;
// the medians are printed.
//   node bench/experiments/mailbox-client-cost.mjs <dist A> <dist B> [--requests 4000]
// Each argument is a built dist/apps/activesync or dist/apps/push-delivery inside this repository
// (copy an older build's there first); push-delivery's client sends the same calls as a device's request.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';

const ANSWER = JSON.stringify({
  methodResponses: [
    [
      'Email/changes',
      {
        accountId: 'a',
        oldState: '1',
        newState: '2',
        hasMoreChanges: false,
        created: ['M1'],
        updated: [],
        destroyed: [],
      },
      'c',
    ],
    [
      'Email/get',
      {
        accountId: 'a',
        state: '2',
        list: [{ id: 'M1', mailboxIds: { inbox: true }, keywords: {}, receivedAt: '2026-01-01T00:00:00Z' }],
        notFound: [],
      },
      'gc',
    ],
    ['Email/get', { accountId: 'a', state: '2', list: [], notFound: [] }, 'gu'],
  ],
  sessionState: '0',
});

if (process.env.MAILBOX_STAND_IN) {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { requests: { type: 'string', default: '4000' } },
  });
  if (positionals.length !== 2)
    throw new Error('give two built dist/apps/activesync or push-delivery directories');
  const requests = Number(values.requests);
  const standIn = fork(new URL(import.meta.url), { env: { ...process.env, MAILBOX_STAND_IN: '1' } });
  const port = await new Promise((done) => standIn.once('message', done));
  const config = {
    MAILBOX_URL: `http://127.0.0.1:${port}`,
    INTERNAL_TOKEN: 'x'.repeat(32),
    MAILBOX_TIMEOUT_MS: 15_000,
  };
  const path = (value) => ({ resultOf: 'c', name: 'Email/changes', path: value });
  const properties = ['id', 'mailboxIds', 'keywords', 'receivedAt'];
  const calls = [
    ['Email/changes', { accountId: 'a', sinceState: '1', maxChanges: 500 }, 'c'],
    ['Email/get', { accountId: 'a', '#ids': path('/created'), properties }, 'gc'],
    ['Email/get', { accountId: 'a', '#ids': path('/updated'), properties }, 'gu'],
  ];
  const clients = [];
  for (const dist of positionals) {
    const load = (file) => import(pathToFileURL(resolve(dist, file)).href);
    if (existsSync(resolve(dist, 'api/mailbox-client.js'))) {
      // push-delivery: a device's JMAP request, forwarded whole.
      const { MailboxClient } = await load('api/mailbox-client.js');
      const client = new MailboxClient(config);
      const request = {
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
        methodCalls: calls,
      };
      clients.push({ dist, client, send: () => client.execute('a', request), perRequest: [] });
      continue;
    }
    const { MailboxClient } = await load('mailbox/mailbox-client.js');
    const { ActiveSyncMetrics } = await load('metrics/activesync-metrics.js');
    const client = new MailboxClient(config, new ActiveSyncMetrics(new Registry()));
    clients.push({ dist, client, send: () => client.call('a', calls), perRequest: [] });
  }
  const measure = async (entry) => {
    let next = 0;
    const start = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next++ < requests) await entry.send();
      }),
    );
    const used = process.cpuUsage(start);
    return (used.user + used.system) / requests;
  };
  for (const entry of clients) await measure(entry);
  for (let round = 0; round < 5; round += 1)
    for (const entry of clients) entry.perRequest.push(Math.round(await measure(entry)));
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  for (const { dist, perRequest } of clients)
    console.log(`${dist}: CPU µs per request ${perRequest.join(', ')}; median ${median(perRequest)}`);
  standIn.kill();
  for (const { client } of clients) await client.onApplicationShutdown?.();
  process.exit(0);
}
