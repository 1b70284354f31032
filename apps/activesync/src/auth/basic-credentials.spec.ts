import { describe, expect, it } from 'vitest';
import { parseBasic, parseBearer, signInKey } from './basic-credentials.js';

const basic = (value: string) => `Basic ${Buffer.from(value, 'utf8').toString('base64')}`;

describe(parseBasic.name, () => {
  it('reads the address, lower-cased, with or without a domain prefix, and a password with colons', () => {
    expect(parseBasic(basic('Alice@Example.COM:pa:ss'))).toEqual({
      address: 'alice@example.com',
      password: 'pa:ss',
    });
    expect(parseBasic(basic('CORP\\alice@example.com:pw'))).toEqual({
      address: 'alice@example.com',
      password: 'pw',
    });
  });

  it('refuses what is not an address and a password', () => {
    for (const header of [
      undefined,
      '',
      'Bearer x',
      'Basic !!!',
      basic('alice:pw'),
      basic('a@b:'),
      basic(':pw'),
    ]) {
      expect(parseBasic(header), String(header)).toBeUndefined();
    }
  });
});

describe(parseBearer.name, () => {
  it('reads a token and refuses anything else', () => {
    expect(parseBearer('Bearer pmd_abc-123')).toBe('pmd_abc-123');
    expect(parseBearer('Basic abc')).toBeUndefined();
    expect(parseBearer(`Bearer ${'a'.repeat(700)}`)).toBeUndefined();
  });
});

describe(signInKey.name, () => {
  it('differs with any part and never contains them', () => {
    const key = signInKey(['a@b.c', 'secret-one', 'phone']);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(key).not.toBe(signInKey(['a@b.c', 'secret-two', 'phone']));
  });
});
