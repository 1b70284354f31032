import { describe, expect, it } from 'vitest';
import { PushMetrics } from '../metrics/push-metrics.js';
import { FakeSocket } from '../testing/fake-socket.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeviceConnection } from './device-connection.js';
import { heartbeat } from './heartbeat.js';

describe(heartbeat.name, () => {
  it('pings live sockets and terminates one that did not answer the previous ping', () => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const answering = new FakeSocket();
    const silent = new FakeSocket();
    const live = new DeviceConnection(
      answering,
      { accountId: 'a', deviceId: '1', tokenSha256: '1'.repeat(64) },
      { maxBufferedBytes: 1e6 },
    );
    const dead = new DeviceConnection(
      silent,
      { accountId: 'a', deviceId: '2', tokenSha256: '2'.repeat(64) },
      { maxBufferedBytes: 1e6 },
    );
    registry.add(live);
    registry.add(dead);

    expect(heartbeat(registry)).toEqual({ pinged: 2, terminated: 0 });
    live.alive = true; // its pong arrived

    expect(heartbeat(registry)).toEqual({ pinged: 1, terminated: 1 });
    expect(silent.terminated).toBe(true);
    expect(answering.terminated).toBe(false);
    expect([...registry.all()]).toEqual([live]);
  });
});
