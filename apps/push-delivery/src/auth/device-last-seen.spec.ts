import { describe, expect, it } from 'vitest';
import { DeviceLastSeen } from './device-last-seen.js';

describe(DeviceLastSeen.name, () => {
  it('remembers the latest sighting per device', () => {
    const lastSeen = new DeviceLastSeen();
    lastSeen.touch('acc', 'phone', new Date('2025-01-01T00:00:00Z'));
    lastSeen.touch('acc', 'phone', new Date('2025-01-01T00:05:00Z'));
    expect(lastSeen.lastSeen('acc', 'phone')).toEqual(new Date('2025-01-01T00:05:00Z'));
    expect(lastSeen.all()).toHaveLength(1);
  });

  it('forgets devices no longer on the account', () => {
    const lastSeen = new DeviceLastSeen();
    lastSeen.touch('acc', 'phone');
    lastSeen.touch('acc', 'laptop');
    lastSeen.touch('other', 'phone');
    lastSeen.retainDevices('acc', new Set(['laptop']));
    expect(
      lastSeen
        .all()
        .map(({ accountId, deviceId }) => `${accountId}/${deviceId}`)
        .sort(),
    ).toEqual(['acc/laptop', 'other/phone']);
  });
});

describe('DeviceLastSeen reporting', () => {
  it('hands out each sighting once until it is seen again, with its address', () => {
    const lastSeen = new DeviceLastSeen();
    lastSeen.touch('acc', 'phone', new Date('2025-01-01T00:00:00Z'), '192.0.2.1');
    expect(lastSeen.takeUnreported()).toEqual([
      {
        accountId: 'acc',
        deviceId: 'phone',
        lastSeenAt: new Date('2025-01-01T00:00:00Z'),
        address: '192.0.2.1',
      },
    ]);
    expect(lastSeen.takeUnreported()).toEqual([]);
    lastSeen.touch('acc', 'phone', new Date('2025-01-01T00:01:00Z'));
    expect(lastSeen.takeUnreported()[0]).toMatchObject({
      lastSeenAt: new Date('2025-01-01T00:01:00Z'),
      address: '192.0.2.1',
    });
  });

  it('gives back a report that failed, unless the device is gone', () => {
    const lastSeen = new DeviceLastSeen();
    lastSeen.touch('acc', 'phone');
    lastSeen.touch('acc', 'laptop');
    const taken = lastSeen.takeUnreported();
    lastSeen.retainDevices('acc', new Set(['phone']));
    lastSeen.restore(taken);
    expect(lastSeen.takeUnreported().map((sighting) => sighting.deviceId)).toEqual(['phone']);
  });
});
