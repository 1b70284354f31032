import { describe, expect, it } from 'vitest';
import { credentialsKey, deviceIdentityOf } from './basic-credentials.js';

describe(deviceIdentityOf.name, () => {
  it('takes the device id and description from the headers', () => {
    const outcome = deviceIdentityOf(
      {
        'x-device-id': 'laptop-1',
        'x-device-type': 'desktop',
        'x-device-model': 'ThinkPad',
        'user-agent': 'Mail/2.0',
      },
      '/jmap/api',
      'alice@example.com',
    );
    expect(outcome).toEqual({
      ok: true,
      identity: {
        deviceId: 'laptop-1',
        deviceType: 'desktop',
        model: 'ThinkPad',
        os: null,
        userAgent: 'Mail/2.0',
      },
    });
  });

  it('falls back to the deviceId query parameter, then to one derived from the address and user agent', () => {
    const fromQuery = deviceIdentityOf({}, '/jmap/ws?deviceId=tablet-9', 'alice@example.com');
    expect(fromQuery.ok && fromQuery.identity.deviceId).toBe('tablet-9');

    const a = deviceIdentityOf({ 'user-agent': 'Mail/2.0' }, '/', 'alice@example.com');
    const again = deviceIdentityOf({ 'user-agent': 'Mail/2.0' }, '/', 'alice@example.com');
    const other = deviceIdentityOf({ 'user-agent': 'Mail/3.0' }, '/', 'alice@example.com');
    expect(a.ok && a.identity.deviceId).toMatch(/^ua-[0-9a-f]{32}$/);
    expect(a.ok && again.ok && a.identity.deviceId === again.identity.deviceId).toBe(true);
    expect(a.ok && other.ok && a.identity.deviceId !== other.identity.deviceId).toBe(true);
    expect(a.ok && a.identity).toMatchObject({ deviceType: 'jmap-client', model: 'Mail/2.0' });
  });

  it('refuses a device id with characters the registry would not accept', () => {
    expect(deviceIdentityOf({ 'x-device-id': 'has space' }, '/', 'a@b.c').ok).toBe(false);
  });
});

describe(credentialsKey.name, () => {
  it('differs with the password and the device, and never contains the password', () => {
    const identity = { deviceId: 'd', deviceType: 't', model: 'm', os: null, userAgent: null };
    const key = credentialsKey({ address: 'a@b.c', password: 'secret-one' }, identity);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toBe(credentialsKey({ address: 'a@b.c', password: 'secret-two' }, identity));
    expect(key).not.toBe(
      credentialsKey({ address: 'a@b.c', password: 'secret-one' }, { ...identity, deviceId: 'e' }),
    );
  });
});
