import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PushConfig } from '../config/push-config.js';
import { silentLogger } from '../testing/fake-socket.js';
import type { DeviceCredentialsView } from './device-credentials.view.js';
import { PasswordSignIn } from './password-sign-in.service.js';
import type { CredentialsListener, RegistryClient } from '@pushmail/edge';

const accountId = randomUUID();
const basic = (password: string) =>
  `Basic ${Buffer.from(`alice@example.com:${password}`).toString('base64')}`;

function setUp(answers: Array<'ok' | 'wrong' | 'locked'> = []) {
  const listeners: CredentialsListener[] = [];
  const credentials = {
    onAccountChanged: (listener: CredentialsListener) => listeners.push(listener),
    waitForRevision: async () => true,
  } as unknown as DeviceCredentialsView;
  const calls: Array<{ password: string; deviceId: string }> = [];
  const registry = {
    signIn: async (request: { password: string; deviceId: string }) => {
      calls.push({ password: request.password, deviceId: request.deviceId });
      const answer = answers.shift() ?? 'ok';
      if (answer === 'wrong')
        return { ok: false, refusal: { status: 401, error: 'invalid_credentials', message: '', body: {} } };
      if (answer === 'locked') {
        return {
          ok: false,
          refusal: {
            status: 429,
            error: 'account_locked',
            message: 'locked',
            body: {},
            retryAfterSeconds: 900,
          },
        };
      }
      return {
        ok: true,
        value: {
          accountId,
          address: 'alice@example.com',
          deviceId: request.deviceId,
          created: false,
          access: 'allowed',
          accessRule: 'x',
          revision: 3,
        },
      };
    },
  } as unknown as RegistryClient;
  const config = { PASSWORD_AUTH_CACHE_SECONDS: 60 } as PushConfig;
  const signIn = new PasswordSignIn(registry, credentials, config, silentLogger);
  const request = (password: string, deviceId = 'laptop') =>
    signIn.authenticate({
      authorization: basic(password),
      headers: { 'x-device-id': deviceId },
      url: '/',
      clientAddress: null,
    });
  const changeAccount = () => listeners.forEach((listener) => listener(accountId, undefined));
  return { signIn, request, calls, changeAccount };
}

describe(PasswordSignIn.name, () => {
  it('asks the registry once, then answers from the cache until the account changes', async () => {
    const { request, calls, changeAccount } = setUp();
    expect(await request('pw')).toEqual({ ok: true, device: { accountId, deviceId: 'laptop' } });
    expect(await request('pw')).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
    changeAccount();
    await request('pw');
    expect(calls).toHaveLength(2);
  });

  it('checks a different password or device afresh', async () => {
    const { request, calls } = setUp(['ok', 'wrong']);
    await request('pw');
    expect(await request('other')).toMatchObject({
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': expect.stringMatching(/^Basic/) },
    });
    await request('pw', 'phone');
    expect(calls.map((call) => `${call.password}/${call.deviceId}`)).toEqual([
      'pw/laptop',
      'other/laptop',
      'pw/phone',
    ]);
  });

  it('never caches a refusal, and passes a lockout on with its Retry-After', async () => {
    const { request, calls } = setUp(['wrong', 'locked']);
    expect(await request('pw')).toMatchObject({ ok: false, status: 401 });
    expect(await request('pw')).toMatchObject({ ok: false, status: 429, headers: { 'Retry-After': '900' } });
    expect(calls).toHaveLength(2);
  });

  it('runs one check for requests of one client arriving together', async () => {
    const { request, calls, signIn } = setUp();
    const outcomes = await Promise.all([request('pw'), request('pw'), request('pw')]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(signIn.cachedSignIns).toBe(1);
  });

  it('refuses malformed credentials without asking the registry', async () => {
    const { signIn, calls } = setUp();
    const outcome = await signIn.authenticate({
      authorization: 'Basic !!!',
      headers: {},
      url: '/',
      clientAddress: null,
    });
    expect(outcome).toMatchObject({ ok: false, status: 401 });
    expect(calls).toHaveLength(0);
  });
});
