import { deviceTrailV1, type DeviceTrailRecordV1 } from '@pushmail/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrailBuffer, type TrailBatch, type TrailInput } from './trail-buffer.js';

const accountId = '6f1c2a7e-3b9d-4c51-9e0a-2d7b8c4f1a36';
const otherAccountId = '0b8d6a51-7c2e-4f3a-9d1b-5e6f7a8b9c0d';

const records = (batches: TrailBatch[], account = accountId): DeviceTrailRecordV1[] =>
  batches.filter((batch) => batch.accountId === account).flatMap((batch) => batch.records);
const shape = (list: DeviceTrailRecordV1[]) =>
  list.map((record) => [record.deviceId, record.kind, record.count]);

describe(TrailBuffer.name, () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-07T05:00:00.000Z'), toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('folds consecutive pings of one device into one record with a count', () => {
    const buffer = new TrailBuffer(100, 'test');
    buffer.record(accountId, { deviceId: 'phone', kind: 'ping' });
    buffer.record(accountId, { deviceId: 'phone', kind: 'ping' });
    buffer.record(accountId, { deviceId: 'phone', kind: 'ping' });
    buffer.record(accountId, { deviceId: 'phone', kind: 'connected' });
    const [batch] = buffer.drain();
    expect(batch?.records.map((record) => [record.kind, record.count])).toEqual([
      ['ping', 3],
      ['connected', undefined],
    ]);
  });

  it("folds each device's pushes into one record while the account's other devices' pushes come between", () => {
    const buffer = new TrailBuffer(100, 'test');
    const devices = Array.from({ length: 10 }, (_, index) => `device-${index}`);
    for (let message = 0; message < 3; message += 1) {
      for (const deviceId of devices) buffer.record(accountId, { deviceId, kind: 'pushSent' });
      vi.advanceTimersByTime(1000);
    }
    const out = records(buffer.drain());
    expect(shape(out)).toEqual(devices.map((deviceId) => [deviceId, 'pushSent', 3]));
    for (const record of out) {
      expect(record.firstAt).toBe('2026-12-07T05:00:00.000Z');
      expect(record.at).toBe('2026-12-07T05:00:02.000Z');
    }
    expect(buffer.size).toBe(0);
  });

  it("puts a device's folds ahead of its next other record, and leaves the other devices' folds open", () => {
    const buffer = new TrailBuffer(100, 'test', { pushMs: 60_000, heartbeatMs: 60_000 });
    buffer.record(accountId, { deviceId: 'fetcher', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'watcher', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'fetcher', kind: 'pong' });
    buffer.record(accountId, { deviceId: 'fetcher', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'watcher', kind: 'pushSent' });
    buffer.record(accountId, {
      deviceId: 'fetcher',
      kind: 'request',
      request: { methods: ['Email/changes', 'Email/get'], ok: true, durationMs: 3 },
    });
    buffer.record(accountId, { deviceId: 'fetcher', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'watcher', kind: 'pushSent' });
    // The fetcher's folds went out ahead of its request; the new push and the watcher's wait.
    expect(shape(records(buffer.drain()))).toEqual([
      ['fetcher', 'pushSent', 2],
      ['fetcher', 'pong', undefined],
      ['fetcher', 'request', undefined],
    ]);
    expect(buffer.size).toBe(2);
    expect(shape(records(buffer.drain(true)))).toEqual([
      ['watcher', 'pushSent', 3],
      ['fetcher', 'pushSent', undefined],
    ]);
  });

  it("holds a fold for its kind's window from its first record, then sends it with the next drain", () => {
    const buffer = new TrailBuffer(100, 'test', { pushMs: 1000, heartbeatMs: 5000 });
    buffer.record(accountId, { deviceId: 'phone', kind: 'pong' });
    buffer.record(accountId, { deviceId: 'phone', kind: 'pushSent' });
    buffer.record(otherAccountId, { deviceId: 'laptop', kind: 'connected' });
    const first = buffer.drain();
    expect(shape(records(first))).toEqual([]);
    expect(shape(records(first, otherAccountId))).toEqual([['laptop', 'connected', undefined]]);
    vi.advanceTimersByTime(999);
    expect(buffer.drain()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(shape(records(buffer.drain()))).toEqual([['phone', 'pushSent', undefined]]);
    vi.advanceTimersByTime(3999);
    buffer.record(accountId, { deviceId: 'phone', kind: 'pong' });
    expect(buffer.drain()).toEqual([]);
    expect(buffer.holds(accountId)).toBe(true);
    vi.advanceTimersByTime(1);
    const [fold] = records(buffer.drain());
    expect(fold).toMatchObject({
      kind: 'pong',
      count: 2,
      firstAt: '2026-12-07T05:00:00.000Z',
      at: '2026-12-07T05:00:04.999Z',
    });
    expect(buffer.holds(accountId)).toBe(false);
    expect(buffer.size).toBe(0);
  });

  it('never folds an ActiveSync Ping, which carries its own heartbeat', () => {
    const buffer = new TrailBuffer(100, 'test', { pushMs: 60_000, heartbeatMs: 60_000 });
    const activesync = { command: 'Ping', heartbeatSeconds: 480 };
    buffer.record(accountId, { deviceId: 'phone', kind: 'ping', activesync });
    buffer.record(accountId, { deviceId: 'phone', kind: 'ping', activesync });
    expect(shape(records(buffer.drain()))).toEqual([
      ['phone', 'ping', undefined],
      ['phone', 'ping', undefined],
    ]);
  });

  it("keeps every count exact and each device's other records in order, whatever the interleaving and drains", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const devices = ['a', 'b', 'c', 'd'];
    const kinds = ['pushSent', 'ping', 'pong', 'pushSent', 'request', 'connected'] as const;
    for (const windows of [{}, { pushMs: 3000, heartbeatMs: 3000 }, { pushMs: 1000, heartbeatMs: 60_000 }]) {
      const buffer = new TrailBuffer(10_000, 'test', windows);
      const recorded = new Map<string, TrailInput[]>(devices.map((deviceId) => [deviceId, []]));
      const out: DeviceTrailRecordV1[] = [];
      for (let step = 0; step < 2000; step += 1) {
        const deviceId = devices[Math.floor(random() * devices.length)]!;
        const kind = kinds[Math.floor(random() * kinds.length)]!;
        const input: TrailInput = { deviceId, kind, detail: `${step}` };
        buffer.record(accountId, input);
        recorded.get(deviceId)!.push(input);
        vi.advanceTimersByTime(Math.floor(random() * 200));
        if (random() < 0.05) out.push(...records(buffer.drain()));
      }
      out.push(...records(buffer.drain(true)));
      expect(buffer.size).toBe(0);
      for (const deviceId of devices) {
        const own = out.filter((record) => record.deviceId === deviceId);
        const inputs = recorded.get(deviceId)!;
        // Between two of the device's other records, the folds hold exactly the pings, pongs and
        // pushes recorded between them.
        const segments = (list: { kind: string; count?: number; detail?: string }[]) => {
          const result: string[] = [];
          let counts = { pushSent: 0, ping: 0, pong: 0 };
          for (const item of list) {
            if (item.kind === 'pushSent' || item.kind === 'ping' || item.kind === 'pong') {
              counts[item.kind] += item.count ?? 1;
              continue;
            }
            result.push(JSON.stringify(counts), `${item.kind} ${item.detail}`);
            counts = { pushSent: 0, ping: 0, pong: 0 };
          }
          result.push(JSON.stringify(counts));
          return result;
        };
        expect(segments(own)).toEqual(segments(inputs));
        for (const record of own) {
          if (record.count !== undefined) expect(record.firstAt! <= record.at).toBe(true);
          else expect(record.firstAt).toBeUndefined();
        }
      }
    }
  });

  it('drops records past its bound instead of growing, and counts them', () => {
    const buffer = new TrailBuffer(2, 'test');
    for (const kind of ['connected', 'disconnected', 'connected'] as const)
      buffer.record(accountId, { deviceId: 'a', kind });
    expect(buffer.size).toBe(2);
    expect(buffer.dropped).toBe(1);
  });

  it('opens a fold per device and kind past the bound (a disconnect closes them), and drops other records', () => {
    const buffer = new TrailBuffer(2, 'test', { pushMs: 60_000 });
    for (let push = 0; push < 5; push += 1) buffer.record(accountId, { deviceId: 'a', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'b', kind: 'connected' });
    buffer.record(accountId, { deviceId: 'c', kind: 'connected' });
    buffer.record(accountId, { deviceId: 'b', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'd', kind: 'connected' });
    expect(buffer.dropped).toBe(1);
    expect(buffer.size).toBe(4);
    expect(shape(records(buffer.drain(true)))).toEqual([
      ['b', 'connected', undefined],
      ['c', 'connected', undefined],
      ['a', 'pushSent', 5],
      ['b', 'pushSent', undefined],
    ]);
    expect(buffer.size).toBe(0);
  });

  it('drains batches the topic schema accepts, folds included, and is empty afterwards', () => {
    const buffer = new TrailBuffer(100, 'test');
    buffer.record(accountId, {
      deviceId: 'phone',
      kind: 'disconnected',
      close: { code: 1006, reason: '', by: 'network', lifetimeMs: 1200, pingIntervalMs: 30_000 },
    });
    buffer.record(accountId, { deviceId: 'phone', kind: 'pushSent' });
    buffer.record(accountId, { deviceId: 'phone', kind: 'pushSent' });
    const batches = buffer.drain();
    expect(batches).toHaveLength(1);
    for (const batch of batches) expect(deviceTrailV1.safeParse(batch).success).toBe(true);
    expect(buffer.drain()).toEqual([]);
  });
});
