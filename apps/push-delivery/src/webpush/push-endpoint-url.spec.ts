import { describe, expect, it } from 'vitest';
import { guardedLookup, isInternalAddress, pushUrlProblem } from './push-endpoint-url.js';

const production = { allowPrivate: false };
const development = { allowPrivate: true };

describe(pushUrlProblem.name, () => {
  it('accepts an https URL of a public push service', () => {
    expect(pushUrlProblem('https://fcm.googleapis.com/fcm/send/abc', production)).toBeUndefined();
    expect(pushUrlProblem('https://93.184.216.34/push', production)).toBeUndefined();
  });

  it.each([
    ['http://push.example.com/x', 'https'],
    ['https://127.0.0.1/x', 'internal'],
    ['https://[::1]/x', 'internal'],
    ['https://[::ffff:10.0.0.1]/x', 'internal'],
    ['https://10.1.2.3/x', 'internal'],
    ['https://172.20.0.5/x', 'internal'],
    ['https://192.168.1.1/x', 'internal'],
    ['https://169.254.169.254/latest/meta-data', 'internal'],
    ['https://100.64.0.1/x', 'internal'],
    ['https://[fd00::1]/x', 'internal'],
    ['https://[fe80::1]/x', 'internal'],
    ['https://0.0.0.0/x', 'internal'],
    ['https://localhost/x', 'internal'],
    ['https://mailbox/internal/jmap', 'internal'],
    ['https://user:pw@push.example.com/', 'credentials'],
    ['file:///etc/passwd', 'https'],
    ['not a url', 'absolute'],
    [`https://push.example.com/${'a'.repeat(3000)}`, 'longer'],
  ])('refuses %s', (url, reason) => {
    expect(pushUrlProblem(url, production)).toContain(reason);
  });

  it('lets loopback and plain http through only when the switch for development is on', () => {
    expect(pushUrlProblem('http://127.0.0.1:9000/push', development)).toBeUndefined();
    expect(pushUrlProblem('ftp://127.0.0.1/push', development)).toContain('https');
  });
});

describe(isInternalAddress.name, () => {
  it.each(['8.8.8.8', '2606:4700::1111'])('takes %s, of either family, for a public address', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it.each([
    '127.1.2.3',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::1',
    '::127.0.0.1',
    '2002:7f00:1::1',
    'not-an-address',
  ])('takes %s, of either family (or none), for an internal address', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });
});

describe(guardedLookup.name, () => {
  it('refuses a name that resolves to loopback unless private endpoints are allowed', async () => {
    const resolve = (policy: { allowPrivate: boolean }) =>
      new Promise<string>((done) =>
        guardedLookup(policy)('localhost', {}, (error, address) =>
          done(error ? ((error as NodeJS.ErrnoException).code ?? 'error') : String(address)),
        ),
      );
    expect(await resolve(production)).toBe('EPUSHINTERNAL');
    expect(await resolve(development)).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
