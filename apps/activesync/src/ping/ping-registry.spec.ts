import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { TestConnection, watcherOf } from '../testing/test-connection.js';
import { type Arrivals, type PingEnd, PingRegistry } from './ping-registry.js';

function setUp() {
  return new PingRegistry(new ActiveSyncMetrics(new Registry()));
}

type Check = (emailState?: string, createdIn?: readonly string[]) => Promise<string[]>;

/** Parks a Ping; how it ends. */
const park = (
  registry: PingRegistry,
  options: {
    deviceId?: string;
    check?: Check;
    heartbeatMs?: number;
    connection?: TestConnection;
    standing?: string;
    arrivals?: Arrivals;
  } = {},
): Promise<PingEnd> => {
  const { watcher, end } = watcherOf(options.check ?? (async () => []));
  registry.park({
    accountId: 'acc',
    deviceId: options.deviceId ?? 'phone',
    heartbeatMs: options.heartbeatMs ?? 60_000,
    standing: options.standing ?? 'allowed',
    watcher,
    connection: options.connection ?? new TestConnection(),
    ...(options.arrivals ? { arrivals: options.arrivals } : {}),
  });
  return end;
};

describe(PingRegistry.name, () => {
  it('ends a Ping with the changed folders once a change of its account touches them', async () => {
    const registry = setUp();
    let changed: string[] = [];
    const ping = park(registry, { check: async () => changed });
    registry.mailChanged('acc');
    await Promise.resolve();
    expect(registry.size).toBe(1);
    changed = ['inbox'];
    registry.mailChanged('other');
    registry.mailChanged('acc');
    await expect(ping).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(registry.size).toBe(0);
  });

  it('ends the first Ping of a device when it sends a second', async () => {
    const registry = setUp();
    const first = park(registry);
    const second = park(registry);
    await expect(first).resolves.toEqual({ reason: 'superseded' });
    expect(registry.size).toBe(1);
    registry.beforeApplicationShutdown();
    await expect(second).resolves.toEqual({ reason: 'shutdown' });
  });

  it('ends at the heartbeat, when the device goes away, and when its standing moves', async () => {
    const registry = setUp();
    await expect(park(registry, { heartbeatMs: 5 })).resolves.toEqual({ reason: 'heartbeat' });
    const gone = new TestConnection();
    const leaving = park(registry, { connection: gone });
    gone.close();
    await expect(leaving).resolves.toEqual({ reason: 'gone' });
    expect(gone.listenerCount('close')).toBe(0);
    const blocked = park(registry, { deviceId: 'a' });
    const unaffected = park(registry, { deviceId: 'b' });
    registry.standingChanged('acc', (key) => (key === 'acc/a' ? 'blocked' : 'allowed'));
    await expect(blocked).resolves.toEqual({ reason: 'standing' });
    expect(registry.size).toBe(1);
    registry.beforeApplicationShutdown();
    await expect(unaffected).resolves.toEqual({ reason: 'shutdown' });
  });

  it('answers every parked Ping as the service begins to stop, and parks none after', async () => {
    const registry = setUp();
    const parked = [park(registry, { deviceId: 'a' }), park(registry, { deviceId: 'b' })];
    registry.onModuleDestroy();
    expect(registry.closing).toBe(true);
    await expect(Promise.all(parked)).resolves.toEqual([{ reason: 'shutdown' }, { reason: 'shutdown' }]);
    // A Ping whose first look at its folders ended after shutdown began: answered, never parked.
    await expect(park(registry, { deviceId: 'c', heartbeatMs: 3_540_000 })).resolves.toEqual({
      reason: 'shutdown',
    });
    expect(registry.size).toBe(0);
  });

  it('tells its listeners of each Ping parked, by device', () => {
    const registry = setUp();
    const parked: string[] = [];
    registry.onParked((deviceKey) => parked.push(deviceKey));
    void park(registry, { deviceId: 'a' });
    void park(registry, { deviceId: 'b' });
    expect(parked).toEqual(['acc/a', 'acc/b']);
  });

  it('ends the Ping of a device that parked a later one on another replica, and only that one', async () => {
    const registry = setUp();
    const first = park(registry, { deviceId: 'phone' });
    void park(registry, { deviceId: 'other' });
    registry.supersededElsewhere('acc/phone', Date.now() - 60_000);
    expect(registry.size).toBe(2);
    registry.supersededElsewhere('acc/phone', Date.now());
    await expect(first).resolves.toEqual({ reason: 'superseded' });
    expect(registry.size).toBe(1);
  });

  it('hands its check the Email state the latest change announced, and none for a change that announced none', async () => {
    const registry = setUp();
    const seen: Array<string | undefined> = [];
    let answer: string[] = [];
    const ping = park(registry, {
      check: async (emailState) => {
        seen.push(emailState);
        return answer;
      },
    });
    registry.mailChanged('acc', { emailState: '41' });
    await Promise.resolve();
    registry.mailChanged('acc');
    await Promise.resolve();
    answer = ['inbox'];
    registry.mailChanged('acc', { emailState: '42' });
    await expect(ping).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(seen).toEqual(['41', undefined, '42']);
  });

  it('hands its check every folder deliveries filed mail in since its last look, and only those', async () => {
    const registry = setUp();
    const seen: Array<readonly string[] | undefined> = [];
    let release: () => void = () => undefined;
    let answer: string[] = [];
    const ping = park(registry, {
      check: async (_emailState, createdIn) => {
        seen.push(createdIn);
        // The first look is slow: two changes arrive while it runs and are folded for the next.
        if (seen.length === 1) await new Promise<void>((done) => (release = done));
        return answer;
      },
    });
    registry.mailChanged('acc', { emailState: '41', createdIn: ['inbox'] });
    registry.mailChanged('acc', { emailState: '42', createdIn: ['inbox', 'lists'] });
    registry.mailChanged('acc', { emailState: '43' });
    release();
    await expect.poll(() => seen.length).toBe(2);
    answer = ['inbox'];
    registry.mailChanged('acc', { emailState: '44' });
    await expect(ping).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(seen).toEqual([['inbox'], ['inbox', 'lists'], undefined]);
  });

  it('hands the trace context of the change that woke a Ping to its answer', async () => {
    const registry = setUp();
    const traceHeaders = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const ping = park(registry, { check: async () => ['inbox'] });
    registry.mailChanged('acc', { acceptedAt: Date.now(), traceHeaders });
    await expect(ping).resolves.toEqual({ reason: 'changed', folders: ['inbox'], traceHeaders });
  });
});

describe("the close of a parked Ping's connection", () => {
  it('releases the Ping: out of the registry, its heartbeat and its close listener gone', async () => {
    vi.useFakeTimers();
    try {
      const registry = setUp();
      const connections = [new TestConnection(), new TestConnection()];
      const ends = connections.map((connection, index) =>
        park(registry, { deviceId: `phone${index}`, connection, heartbeatMs: 60_000 }),
      );
      connections[0]!.close();
      await expect(ends[0]).resolves.toEqual({ reason: 'gone' });
      expect(registry.size).toBe(1);
      expect(connections[0]!.listenerCount('close')).toBe(0);
      expect(connections[1]!.listenerCount('close')).toBe(1);
      // Only the other Ping's heartbeat is left to pass.
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(ends[1]).resolves.toEqual({ reason: 'heartbeat' });
      expect(registry.size).toBe(0);
      expect(connections[1]!.listenerCount('close')).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends a Ping at once whose connection closed before it parked', async () => {
    const registry = setUp();
    const connection = new TestConnection();
    connection.close();
    await expect(park(registry, { connection })).resolves.toEqual({ reason: 'gone' });
    expect(registry.size).toBe(0);
    expect(connection.listenerCount('close')).toBe(0);
  });
});

describe('heartbeats of parked Pings on one timer', () => {
  it('answers each Ping at its own heartbeat, whatever the order they parked in', async () => {
    vi.useFakeTimers();
    try {
      const registry = setUp();
      const ended: string[] = [];
      const parkFor = (deviceId: string, heartbeatMs: number) =>
        void park(registry, { deviceId, heartbeatMs }).then((end) => ended.push(`${deviceId}:${end.reason}`));
      parkFor('slow', 90_000);
      parkFor('fast', 30_000);
      parkFor('mid', 60_000);
      parkFor('left', 45_000);
      registry.supersededElsewhere('acc/left', Date.now());
      await vi.advanceTimersByTimeAsync(29_999);
      expect(ended).toEqual(['left:superseded']);
      await vi.advanceTimersByTimeAsync(1);
      expect(ended).toEqual(['left:superseded', 'fast:heartbeat']);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(ended).toEqual(['left:superseded', 'fast:heartbeat', 'mid:heartbeat']);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(ended).toEqual(['left:superseded', 'fast:heartbeat', 'mid:heartbeat', 'slow:heartbeat']);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a change that arrives while a Ping takes its first look', () => {
  it('makes the Ping look again as soon as it parks, with the announced state', async () => {
    const registry = setUp();
    const arrivals = registry.watchArrivals('acc');
    // The first look read the folders before the change was stored, so it found nothing.
    registry.mailChanged('acc', { emailState: 's2', acceptedAt: 1000 });
    const looked: Array<string | undefined> = [];
    const ping = park(registry, {
      check: async (emailState) => {
        looked.push(emailState);
        return ['inbox'];
      },
      arrivals,
    });
    await expect(ping).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(looked).toEqual(['s2']);
  });

  it('parks quietly when nothing arrived, and forgets the watch once parked or abandoned', async () => {
    const registry = setUp();
    let looks = 0;
    const quiet = registry.watchArrivals('acc');
    registry.mailChanged('other');
    const ping = park(registry, {
      heartbeatMs: 20,
      check: async () => {
        looks += 1;
        return [];
      },
      arrivals: quiet,
    });
    await expect(ping).resolves.toEqual({ reason: 'heartbeat' });
    expect(looks).toBe(0);
    // A watch given up without parking (the first look found changes) notes nothing more.
    const abandoned = registry.watchArrivals('acc');
    registry.stopWatching(abandoned);
    registry.mailChanged('acc');
    expect(abandoned.changes).toBe(0);
    expect(quiet.changes).toBe(0);
  });
});
