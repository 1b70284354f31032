import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DeviceAuthenticator } from './device-auth.service.js';
import type { DeviceCredentialsView } from './device-credentials.view.js';
import type { DeviceTokenCheck } from './device-token-check.js';
import type { PasswordSignIn } from './password-sign-in.service.js';

const noCredentials = { isCaughtUp: true, lookup: () => undefined } as unknown as DeviceCredentialsView;

describe(DeviceAuthenticator.name, () => {
  const registryRefusing = {
    confirm: () => Promise.resolve({ kind: 'unknown' }),
  } as unknown as DeviceTokenCheck;
  const authenticator = new DeviceAuthenticator(noCredentials, {} as PasswordSignIn, registryRefusing);

  it.each([
    ['no credentials', undefined],
    ['an unknown device token', `Bearer pmd_${'a'.repeat(43)}`],
  ])(
    'challenges %s with both schemes it accepts, Basic and Bearer, one per header line',
    async (_, authorization) => {
      const outcome = await authenticator.authenticate({
        headers: authorization === undefined ? {} : { authorization },
      } as IncomingMessage);
      expect(outcome).toMatchObject({
        ok: false,
        status: 401,
        headers: {
          'WWW-Authenticate': ['Basic realm="pushmail", charset="UTF-8"', 'Bearer realm="pushmail"'],
        },
      });
    },
  );

  it('asks a device to retry, without a challenge, while its token cannot be checked', async () => {
    const unavailable = {
      confirm: () =>
        Promise.resolve({
          kind: 'unavailable',
          reason: 'registry',
          detail: 'device-registry timed out',
          retryAfterSeconds: 5,
        }),
    } as unknown as DeviceTokenCheck;
    const outcome = await new DeviceAuthenticator(
      noCredentials,
      {} as PasswordSignIn,
      unavailable,
    ).authenticate({
      headers: { authorization: `Bearer pmd_${'a'.repeat(43)}` },
    } as IncomingMessage);
    expect(outcome).toEqual({
      ok: false,
      status: 503,
      detail: 'device-registry timed out',
      headers: { 'Retry-After': '5' },
    });
  });
});
