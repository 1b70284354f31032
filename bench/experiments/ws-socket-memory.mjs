// The floor under push-delivery's memory per socket: a bare `ws` server (the same options as the
// JMAP gateway: noServer on an HTTP server, no compression) holding N idle sockets, measured after
// a full GC. Compared with the density scenario's number, it shows what the service adds per socket.
//   node bench/experiments/ws-socket-memory.mjs [--sockets 5000] [--workers 4]
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

const role = process.argv[2];

if (role === 'server') {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 10_000_000 });
  const server = createServer();
  const sockets = new Set();
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => undefined);
    }),
  );
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (message) => {
    if (message !== 'measure') return;
    for (let round = 0; round < 3; round += 1) globalThis.gc();
    const usage = process.memoryUsage();
    process.send({
      sockets: sockets.size,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external + usage.arrayBuffers,
    });
  });
} else if (role === 'client') {
  const [, , , port, count, first] = process.argv;
  const held = [];
  let open = 0;
  const connect = (index) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
        perMessageDeflate: false,
        localAddress: `127.0.0.${2 + ((Number(first) + index) % 8)}`,
      });
      ws.once('open', () => {
        open += 1;
        held.push(ws);
        resolve();
      });
      ws.once('error', reject);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < Number(count)) await connect(next++);
    }),
  );
  process.send({ open });
  process.on('message', () => process.exit(0));
} else {
  const { values } = parseArgs({
    options: { sockets: { type: 'string', default: '5000' }, workers: { type: 'string', default: '4' } },
  });
  const total = Number(values.sockets);
  const self = fileURLToPath(import.meta.url);
  const server = fork(self, ['server'], { execArgv: ['--expose-gc'] });
  const ask = (child, message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      if (message !== undefined) child.send(message);
    });
  const { port } = await ask(server);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = await ask(server, 'measure');
  const perWorker = Math.ceil(total / Number(values.workers));
  const clients = Array.from({ length: Number(values.workers) }, (_, index) =>
    fork(self, ['client', String(port), String(perWorker), String(index * perWorker)]),
  );
  await Promise.all(clients.map((client) => ask(client)));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = await ask(server, 'measure');
  const per = (field) => Math.round((after[field] - before[field]) / after.sockets);
  console.log(
    `bare ws server, ${after.sockets} idle sockets: ${per('rss')} B RSS, ${per('heapUsed')} B JS heap, ${per('external')} B external per socket`,
  );
  for (const client of clients) client.send('exit');
  server.kill();
}
