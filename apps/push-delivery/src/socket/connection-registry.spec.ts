import { describe, expect, it } from 'vitest';
import { PushMetrics } from '../metrics/push-metrics.js';
import { FakeSocket } from '../testing/fake-socket.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeviceConnection } from './device-connection.js';

const limits = { maxBufferedBytes: 1024 };
const connect = (accountId: string, deviceId: string) =>
  new DeviceConnection(new FakeSocket(), { accountId, deviceId, tokenSha256: 'f'.repeat(64) }, limits);

async function openSocketsGauge(metrics: PushMetrics): Promise<number> {
  return (await metrics.openSockets.get()).values[0]?.value ?? 0;
}

describe(ConnectionRegistry.name, () => {
  it('indexes sockets by account', () => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const phone = connect('acc-1', 'phone');
    const laptop = connect('acc-1', 'laptop');
    const other = connect('acc-2', 'phone');
    [phone, laptop, other].forEach((connection) => registry.add(connection));

    expect([...registry.ofAccount('acc-1')]).toEqual([phone, laptop]);
    expect([...registry.ofAccount('acc-2')]).toEqual([other]);
    expect([...registry.ofAccount('acc-3')]).toEqual([]);
    expect(registry.size).toBe(3);
  });

  it('forgets a socket once, however often it is removed', async () => {
    const metrics = new PushMetrics();
    const registry = new ConnectionRegistry(metrics);
    const before = await openSocketsGauge(metrics);
    const phone = connect('acc-1', 'phone');
    registry.add(phone);
    registry.add(phone);
    expect(await openSocketsGauge(metrics)).toBe(before + 1);

    registry.remove(phone);
    registry.remove(phone);

    expect(registry.size).toBe(0);
    expect([...registry.ofAccount('acc-1')]).toEqual([]);
    expect([...registry.all()]).toEqual([]);
    expect(await openSocketsGauge(metrics)).toBe(before);
  });

  it('lists every socket of every account', () => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const sockets = [connect('a', '1'), connect('b', '1'), connect('b', '2')];
    sockets.forEach((connection) => registry.add(connection));
    expect(new Set(registry.all())).toEqual(new Set(sockets));
  });
});
