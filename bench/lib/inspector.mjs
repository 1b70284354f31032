// A full garbage collection in another Node.js process, through its inspector (the process runs
// with --inspect=127.0.0.1:0 and prints where it listens). Used only to read settled memory: V8
// collects lazily, so right after thousands of handshakes the heap still holds their garbage.
import WebSocket from 'ws';

export const INSPECTOR_LINE = /Debugger listening on (ws:\/\/\S+)/;

export async function collectGarbage(url, rounds = 2) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  try {
    let id = 0;
    const call = (method) =>
      new Promise((resolve, reject) => {
        const callId = ++id;
        const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 30_000);
        const onMessage = (data) => {
          const message = JSON.parse(data.toString());
          if (message.id !== callId) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          if (message.error) reject(new Error(message.error.message));
          else resolve(message.result);
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id: callId, method }));
      });
    for (let round = 0; round < rounds; round += 1) await call('HeapProfiler.collectGarbage');
  } finally {
    socket.close();
  }
}
