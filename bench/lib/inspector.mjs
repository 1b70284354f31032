// Another Node.js process seen through its inspector (the process runs with --inspect and prints
// where it listens). Used only to read settled memory: V8 collects lazily, so right after
// thousands of handshakes the heap still holds their garbage, and RSS alone cannot tell a leak
// from a heap that V8 chose to grow.
import WebSocket from 'ws';

export const INSPECTOR_LINE = /Debugger listening on (ws:\/\/\S+)/;

const CALL_TIMEOUT_MS = 120_000;

/** One DevTools-protocol connection: `call` a method, `onEvent` for notifications. */
class InspectorSession {
  static async open(url) {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new InspectorSession(socket);
  }

  constructor(socket) {
    this.socket = socket;
    this.id = 0;
    this.pending = new Map();
    this.listeners = new Map();
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        clearTimeout(waiter.timer);
        if (message.error) waiter.reject(new Error(message.error.message));
        else waiter.resolve(message.result);
      } else {
        this.listeners.get(message.method)?.(message.params);
      }
    });
  }

  call(method, params = {}) {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(method, listener) {
    this.listeners.set(method, listener);
  }

  close() {
    this.socket.close();
  }
}

async function withSession(url, work) {
  const session = await InspectorSession.open(url);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

export async function collectGarbage(url, rounds = 2) {
  await withSession(url, async (session) => {
    for (let round = 0; round < rounds; round += 1) await session.call('HeapProfiler.collectGarbage');
  });
}

/**
 * `process.memoryUsage()` of the process right after two full collections: `heapUsed` is then what
 * the program holds, whatever V8 has reserved around it (`heapTotal`, and RSS).
 */
export async function memoryAfterGc(url) {
  return withSession(url, async (session) => {
    await session.call('HeapProfiler.collectGarbage');
    await session.call('HeapProfiler.collectGarbage');
    const { result } = await session.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    return JSON.parse(result.value);
  });
}

/**
 * A heap snapshot of the process (taken after a full collection, as V8 does), summarised as
 * count and self size per kind of object: `constructor name` for objects and closures, the node
 * type otherwise (strings, code, arrays, system structures such as a Map's hash table).
 */
export async function heapSnapshotSummary(url) {
  const text = await withSession(url, async (session) => {
    const chunks = [];
    session.onEvent('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
    await session.call('HeapProfiler.enable');
    await session.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    return chunks.join('');
  });
  return summarizeHeapSnapshot(JSON.parse(text));
}

export function summarizeHeapSnapshot(snapshot) {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byKind = new Map();
  let totalBytes = 0;
  let totalNodes = 0;
  for (let index = 0; index < snapshot.nodes.length; index += stride) {
    const type = types[snapshot.nodes[index + typeAt]];
    const name = snapshot.strings[snapshot.nodes[index + nameAt]];
    const size = snapshot.nodes[index + sizeAt];
    const kind =
      type === 'object' || type === 'closure' || type === 'hidden' || type === 'native'
        ? `${type} ${name.slice(0, 80)}`
        : type;
    const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    byKind.set(kind, entry);
    totalBytes += size;
    totalNodes += 1;
  }
  return { totalBytes, totalNodes, byKind: Object.fromEntries(byKind) };
}

/** What grew between two summaries: the kinds with the largest growth in bytes, then in count. */
export function heapGrowth(before, after, top = 25) {
  const kinds = new Set([...Object.keys(before.byKind), ...Object.keys(after.byKind)]);
  const rows = [...kinds].map((kind) => {
    const from = before.byKind[kind] ?? { count: 0, bytes: 0 };
    const to = after.byKind[kind] ?? { count: 0, bytes: 0 };
    return {
      kind,
      countBefore: from.count,
      countAfter: to.count,
      bytesBefore: from.bytes,
      bytesAfter: to.bytes,
      bytesGrowth: to.bytes - from.bytes,
      countGrowth: to.count - from.count,
    };
  });
  return {
    totalBytesBefore: before.totalBytes,
    totalBytesAfter: after.totalBytes,
    byBytes: [...rows].sort((a, b) => b.bytesGrowth - a.bytesGrowth).slice(0, top),
    byCount: [...rows].sort((a, b) => b.countGrowth - a.countGrowth).slice(0, top),
  };
}
