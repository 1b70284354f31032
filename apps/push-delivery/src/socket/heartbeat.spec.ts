import { describe, expect, it } from 'vitest';
import { PushMetrics } from '../metrics/push-metrics.js';
import { FakeSocket } from '../testing/fake-socket.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeviceConnection } from './device-connection.js';
import { heartbeat, HeartbeatTurns, heartbeatTurns } from './heartbeat.js';

function connection(deviceId: string, accountId = 'a'): DeviceConnection {
  return new DeviceConnection(
    new FakeSocket(),
    { accountId, deviceId, tokenSha256: deviceId.padEnd(64, '0') },
    { maxBufferedBytes: 1e6 },
  );
}

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

    expect(heartbeat(registry, [...registry.all()])).toEqual({ pinged: 2, terminated: 0 });
    live.alive = true; // its pong arrived

    expect(heartbeat(registry, [...registry.all()])).toEqual({ pinged: 1, terminated: 1 });
    expect(silent.terminated).toBe(true);
    expect(answering.terminated).toBe(false);
    expect([...registry.all()]).toEqual([live]);
  });
});

describe(HeartbeatTurns.name, () => {
  const setup = (count: number, turns: number) => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const connections = Array.from({ length: count }, (_, index) =>
      connection(`d${index}`, `acc${index % 7}`),
    );
    for (const each of connections) registry.add(each);
    let now = 0;
    const clock = {
      advance: (ms: number) => {
        now += ms;
      },
    };
    const rounds = new HeartbeatTurns(registry, 30_000, turns, () => now);
    return { registry, connections, rounds, clock };
  };

  it('visits every socket once per interval, a slice per turn', () => {
    const { connections, rounds, clock } = setup(1000, 120);
    const visits = new Map<DeviceConnection, number[]>();
    for (let turn = 0; turn < 360; turn += 1) {
      for (const visited of rounds.next()) visits.set(visited, [...(visits.get(visited) ?? []), turn]);
      clock.advance(rounds.turnMs);
    }
    expect(rounds.turnMs).toBe(250);
    for (const each of connections) {
      const turns = visits.get(each) ?? [];
      expect(turns).toHaveLength(3);
      // Consecutive visits are one interval (120 turns) apart.
      expect(turns[1]! - turns[0]!).toBe(120);
      expect(turns[2]! - turns[1]!).toBe(120);
    }
  });

  it('takes no turn bigger than its share: 1,000 sockets in 120 turns are 9 at a time', () => {
    const { rounds } = setup(1000, 120);
    expect(rounds.next()).toHaveLength(9);
    expect(rounds.next()).toHaveLength(9);
  });

  it('does not visit a socket again before the interval when there are fewer sockets than turns', () => {
    const { rounds, clock } = setup(2, 120);
    expect(rounds.next()).toHaveLength(1);
    clock.advance(250);
    expect(rounds.next()).toHaveLength(1);
    for (let turn = 2; turn < 120; turn += 1) {
      clock.advance(250);
      expect(rounds.next()).toEqual([]);
    }
    clock.advance(250);
    expect(rounds.next()).toHaveLength(1);
  });

  it('visits a socket that connected during a pass, and goes on past one that left', () => {
    const { registry, connections, rounds, clock } = setup(10, 5);
    const seen = new Set<DeviceConnection>(rounds.next());
    registry.remove(connections[9]!);
    const late = connection('late', 'acc-new');
    registry.add(late);
    for (let turn = 0; turn < 10; turn += 1) {
      clock.advance(rounds.turnMs);
      for (const visited of rounds.next()) seen.add(visited);
    }
    expect(seen.has(late)).toBe(true);
    // It left before its turn came (the first turn visits the first two of account acc0).
    expect(seen.has(connections[9]!)).toBe(false);
    expect(seen.size).toBe(10);
  });

  it('cuts a socket that missed its pong at its next visit, one interval later', () => {
    const { registry, connections, rounds, clock } = setup(4, 2);
    const [silent, ...answering] = connections;
    // One pass is two turns of two sockets, 15 s apart.
    const pass = () => {
      const first = heartbeat(registry, rounds.next());
      clock.advance(15_000);
      const second = heartbeat(registry, rounds.next());
      clock.advance(15_000);
      return { pinged: first.pinged + second.pinged, terminated: first.terminated + second.terminated };
    };
    expect(pass()).toEqual({ pinged: 4, terminated: 0 });
    for (const each of answering) each.alive = true; // their pongs arrived
    expect(pass()).toEqual({ pinged: 3, terminated: 1 });
    expect((silent!.socket as FakeSocket).terminated).toBe(true);
    expect([...registry.all()]).not.toContain(silent);
  });

  it('splits an interval in quarter seconds, from one turn to 120', () => {
    expect(heartbeatTurns(30_000)).toBe(120);
    expect(heartbeatTurns(3000)).toBe(12);
    expect(heartbeatTurns(100)).toBe(1);
    expect(heartbeatTurns(600_000)).toBe(120);
  });
});
