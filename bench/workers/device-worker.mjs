// Holds many device WebSockets for the benchmark, in a process of its own so the clients' CPU and
// open files are not the measured service's. Driven over IPC by bench/run.mjs:
//   connect  → opens the sockets (spread over several loopback source addresses), enables push
//   mode     → 'latency' reports each new StateChange and, for fetching devices, the Email/get end
//              'fanout'  records the first StateChange of every socket after 'arm'
//              'none'    ignores pushes
//   pauses   → 'start' watches this process's GC and event loop, 'stop' answers what it saw
//   close    → closes every socket and exits
// The sockets are the platform's one device client (libs/jmap), which the benchmark builds first.
import { DeviceClient } from '@pushmail/jmap';
import { startPauseProbe } from '../lib/pauses.mjs';
import { nowMs, sleep } from '../lib/stats.mjs';

const sockets = [];
let mode = 'none';
let armed = false;
let pushEvents = [];
let fetchEvents = [];
let flushTimer = null;
let pauseProbe = null;

const send = (message) => process.send?.(message);

process.on('message', (message) => {
  handle(message).catch((error) => send({ evt: 'error', message: String(error?.stack ?? error) }));
});
process.on('disconnect', () => process.exit(0));

async function handle(message) {
  switch (message.cmd) {
    case 'connect':
      return connectAll(message);
    case 'mode':
      mode = message.mode;
      armed = false;
      return send({ evt: 'ack', id: message.id });
    case 'arm':
      for (const socket of sockets) socket.firstPushAt = null;
      armed = true;
      return send({ evt: 'ack', id: message.id });
    case 'collect': {
      const times = [];
      let missing = 0;
      for (const socket of sockets) {
        if (!socket.open) continue;
        if (socket.firstPushAt === null) missing += 1;
        else times.push(socket.firstPushAt);
      }
      return send({ evt: 'collected', id: message.id, times, missing });
    }
    case 'pauses': {
      if (message.action === 'start') {
        pauseProbe = startPauseProbe();
        return send({ evt: 'pauses', id: message.id, pauses: null });
      }
      const pauses = pauseProbe?.stop() ?? null;
      pauseProbe = null;
      return send({ evt: 'pauses', id: message.id, pauses });
    }
    case 'count':
      return send({ evt: 'count', id: message.id, open: sockets.filter((socket) => socket.open).length });
    case 'close':
      await closeAll();
      send({ evt: 'closed', id: message.id });
      return setTimeout(() => process.exit(0), 50);
  }
}

async function connectAll({ id, url, devices, localAddresses, concurrency = 100, retryForMs = 60_000 }) {
  let next = 0;
  let connected = 0;
  let failed = 0;
  const errors = [];
  const progress = setInterval(() => send({ evt: 'progress', id, connected, failed }), 250);
  const lane = async () => {
    while (next < devices.length) {
      const index = next++;
      const device = devices[index];
      const localAddress = localAddresses.length ? localAddresses[index % localAddresses.length] : undefined;
      try {
        sockets.push(await connectWithRetry(url, device, localAddress, retryForMs));
        connected += 1;
      } catch (error) {
        failed += 1;
        if (errors.length < 5) errors.push(String(error?.message ?? error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, lane));
  clearInterval(progress);
  send({ evt: 'connected', id, connected, failed, errors });
}

async function connectWithRetry(url, device, localAddress, retryForMs) {
  const deadline = Date.now() + retryForMs;
  let delay = 100;
  for (;;) {
    try {
      return await connectOne(url, device, localAddress);
    } catch (error) {
      // A token registered a moment ago reaches push-delivery through Kafka: 401 until then.
      if (Date.now() + delay > deadline) throw error;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

async function connectOne(url, device, localAddress) {
  const socket = {
    client: null,
    accountId: device.accountId,
    fetch: Boolean(device.fetch),
    lastEmailState: null,
    emailState: null,
    fetching: false,
    pendingPushAt: null,
    frameAt: 0,
    firstPushAt: null,
    get open() {
      return this.client?.isOpen ?? false;
    },
  };
  socket.client = await DeviceClient.connect(url, {
    token: device.token,
    perMessageDeflate: false,
    handshakeTimeoutMs: 20_000,
    keepReceived: false,
    ...(localAddress ? { localAddress } : {}),
    onFrame: () => onFrame(socket),
  });
  socket.client.onMessage((message) => onMessage(socket, message));
  socket.client.enablePush();
  try {
    if (socket.fetch) {
      // The state the device starts from; later fetches ask what changed since.
      const [[, result]] = await request(socket, [
        ['Email/get', { accountId: socket.accountId, ids: [] }, 'g'],
      ]);
      socket.emailState = result.state;
    } else {
      // A round trip, so push is known to be enabled once this resolves.
      await request(socket, [['Core/echo', {}, 'e']], ['urn:ietf:params:jmap:core']);
    }
    return socket;
  } catch (error) {
    socket.client.terminate();
    throw error;
  }
}

function request(socket, methodCalls, using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail']) {
  return socket.client.request(methodCalls, using, 30_000);
}

/** Sees each frame before it is parsed; true leaves it unparsed. */
function onFrame(socket) {
  const at = nowMs();
  socket.frameAt = at;
  // A request is outstanding: the frame may be its answer, so it is parsed.
  if (socket.client?.waiting) return false;
  if (mode === 'fanout' && armed && socket.firstPushAt === null) {
    // Timed without parsing: only StateChanges reach an idle socket.
    socket.firstPushAt = at;
    return true;
  }
  return mode !== 'latency';
}

function onMessage(socket, message) {
  if (mode !== 'latency' || message['@type'] !== 'StateChange') return;
  const at = socket.frameAt;
  const emailState = message.changed?.[socket.accountId]?.Email;
  if (emailState === undefined || emailState === socket.lastEmailState) return;
  socket.lastEmailState = emailState;
  pushEvents.push(socket.accountId, at);
  scheduleFlush();
  if (!socket.fetch) return;
  if (socket.fetching) {
    socket.pendingPushAt ??= at;
    return;
  }
  void fetchChanges(socket, at);
}

/** What a mail client does on a StateChange: Email/changes since its state, then Email/get of the new ids. */
async function fetchChanges(socket, pushAt) {
  socket.fetching = true;
  try {
    let more = true;
    while (more) {
      const responses = await request(socket, [
        [
          'Email/changes',
          { accountId: socket.accountId, sinceState: socket.emailState, maxChanges: 256 },
          'c',
        ],
        [
          'Email/get',
          {
            accountId: socket.accountId,
            '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
            properties: ['subject', 'from', 'receivedAt', 'preview'],
          },
          'g',
        ],
      ]);
      const at = nowMs();
      const changes = responses.find(([name]) => name === 'Email/changes')?.[1];
      const got = responses.find(([name]) => name === 'Email/get')?.[1];
      if (!changes || !got) throw new Error(`unexpected answer ${JSON.stringify(responses).slice(0, 300)}`);
      socket.emailState = changes.newState;
      for (const email of got.list ?? []) fetchEvents.push(email.subject, pushAt, at);
      scheduleFlush();
      more = changes.hasMoreChanges;
      if (!more && socket.pendingPushAt !== null) {
        pushAt = socket.pendingPushAt;
        socket.pendingPushAt = null;
        more = true;
      }
    }
  } catch (error) {
    send({ evt: 'fetchError', message: String(error?.message ?? error) });
  } finally {
    socket.fetching = false;
  }
}

function scheduleFlush() {
  flushTimer ??= setTimeout(() => {
    flushTimer = null;
    if (pushEvents.length === 0 && fetchEvents.length === 0) return;
    send({ evt: 'events', push: pushEvents, fetch: fetchEvents });
    pushEvents = [];
    fetchEvents = [];
  }, 10);
}

async function closeAll() {
  const closing = sockets.map(
    (socket) =>
      new Promise((resolve) => {
        if (!socket.open) return resolve();
        socket.client.close(1000);
        socket.client.waitForClose(3000).then(resolve, () => {
          socket.client.terminate();
          resolve();
        });
      }),
  );
  await Promise.all(closing);
  sockets.length = 0;
}

send({ evt: 'ready' });
