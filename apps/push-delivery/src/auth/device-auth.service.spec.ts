import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DeviceAuthenticator } from './device-auth.service.js';
import type { DeviceCredentialsView } from './device-credentials.view.js';
import type { PasswordSignIn } from './password-sign-in.service.js';

const noCredentials = { isCaughtUp: true, lookup: () => undefined } as unknown as DeviceCredentialsView;

describe(DeviceAuthenticator.name, () => {
  const authenticator = new DeviceAuthenticator(noCredentials, {} as PasswordSignIn);

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
});
