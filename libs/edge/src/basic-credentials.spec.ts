import { describe, expect, it } from 'vitest';
import { isBasicAuthorization, parseBasic } from './basic-credentials.js';

const basic = (value: string) => `Basic ${Buffer.from(value, 'utf8').toString('base64')}`;

describe(parseBasic.name, () => {
  it('reads the address (lower-cased) and a password that may contain colons', () => {
    expect(parseBasic(basic('Alice@Example.COM:pa:ss wörd'))).toEqual({
      address: 'alice@example.com',
      password: 'pa:ss wörd',
    });
  });

  it('drops a domain prefix only when asked to', () => {
    expect(parseBasic(basic('CORP\\alice@example.com:pw'), { domainPrefix: true })).toEqual({
      address: 'alice@example.com',
      password: 'pw',
    });
    expect(parseBasic(basic('CORP\\alice@example.com:pw'))?.address).toBe('corp\\alice@example.com');
  });

  it('refuses what is not Basic credentials of an address', () => {
    for (const options of [{}, { domainPrefix: true }]) {
      for (const header of [
        undefined,
        '',
        'Bearer abc',
        'Basic !!!',
        basic('no-colon'),
        basic(':pw'),
        basic('alice:pw'),
        basic('a@b:'),
        basic(`a@b:${'x'.repeat(1025)}`),
      ]) {
        expect(parseBasic(header, options), String(header)).toBeUndefined();
      }
    }
  });
});

describe(isBasicAuthorization.name, () => {
  it('tells Basic from other schemes', () => {
    expect(isBasicAuthorization('basic abc')).toBe(true);
    expect(isBasicAuthorization('Bearer abc')).toBe(false);
    expect(isBasicAuthorization(undefined)).toBe(false);
  });
});
