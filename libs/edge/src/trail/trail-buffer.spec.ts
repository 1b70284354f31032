import { deviceTrailV1 } from '@pushmail/contracts';
import { describe, expect, it } from 'vitest';
import { TrailBuffer } from './trail-buffer.js';

const accountId = '6f1c2a7e-3b9d-4c51-9e0a-2d7b8c4f1a36';

describe(TrailBuffer.name, () => {
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

  it('drops records past its bound instead of growing, and counts them', () => {
    const buffer = new TrailBuffer(2, 'test');
    for (const kind of ['connected', 'disconnected', 'connected'] as const)
      buffer.record(accountId, { deviceId: 'a', kind });
    expect(buffer.size).toBe(2);
    expect(buffer.dropped).toBe(1);
  });

  it('drains batches the topic schema accepts, and is empty afterwards', () => {
    const buffer = new TrailBuffer(100, 'test');
    buffer.record(accountId, {
      deviceId: 'phone',
      kind: 'disconnected',
      close: { code: 1006, reason: '', by: 'network', lifetimeMs: 1200, pingIntervalMs: 30_000 },
    });
    const batches = buffer.drain();
    expect(batches).toHaveLength(1);
    for (const batch of batches) expect(deviceTrailV1.safeParse(batch).success).toBe(true);
    expect(buffer.drain()).toEqual([]);
  });
});
