import { describe, expect, it } from 'vitest';
import { registerDeviceSchema } from './register-device.dto.js';

const valid = {
  address: 'Bob@Example.org',
  password: 'whatever',
  deviceId: 'ios-1.A_b:c-2',
  deviceType: 'iPhone',
  model: 'iPhone 17',
};

describe('registerDeviceSchema', () => {
  it('accepts a registration and normalises the address and missing optional fields', () => {
    expect(registerDeviceSchema.parse(valid)).toEqual({
      ...valid,
      address: 'bob@example.org',
      os: null,
      userAgent: null,
    });
  });

  it('keeps the optional operating system and user agent', () => {
    const parsed = registerDeviceSchema.parse({ ...valid, os: 'iOS 26', userAgent: 'Mail/1.0' });
    expect(parsed.os).toBe('iOS 26');
    expect(parsed.userAgent).toBe('Mail/1.0');
  });

  it('accepts device ids of 1 to 128 allowed characters', () => {
    expect(registerDeviceSchema.safeParse({ ...valid, deviceId: 'a' }).success).toBe(true);
    expect(registerDeviceSchema.safeParse({ ...valid, deviceId: 'a'.repeat(128) }).success).toBe(true);
  });

  it('rejects an empty, too long or oddly spelled device id', () => {
    for (const deviceId of ['', 'a'.repeat(129), 'has space', 'slash/ed', 'ünicode', '../etc']) {
      const result = registerDeviceSchema.safeParse({ ...valid, deviceId });
      expect(result.success, deviceId).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['deviceId']);
    }
  });

  it('requires the device type and model', () => {
    expect(registerDeviceSchema.safeParse({ ...valid, deviceType: undefined }).success).toBe(false);
    expect(registerDeviceSchema.safeParse({ ...valid, model: '  ' }).success).toBe(false);
  });

  it('lets a short password through, so a wrong one is answered as wrong credentials', () => {
    expect(registerDeviceSchema.safeParse({ ...valid, password: 'x' }).success).toBe(true);
    expect(registerDeviceSchema.safeParse({ ...valid, password: '' }).success).toBe(false);
  });
});
