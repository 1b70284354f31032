import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import type { DeviceStanding, DeviceViews } from '../registry/device-views.js';
import {
  type CredentialsListener,
  RegistryUnavailableError,
  type PasswordSignInRequest,
  type RegistryClient,
} from '@pushmail/edge';
import { EasAuthenticator, type DeviceDescription } from './eas-authenticator.js';

const ACCOUNT = '6f1c3a4e-2b7d-4c59-9a1e-0d2f3b4c5d6e';
const ADDRESS = 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const basic = (password = PASSWORD, address = ADDRESS) =>
  `Basic ${Buffer.from(`${address}:${password}`).toString('base64')}`;

/** The registry and this replica's device views, as far as sign-in uses them. */
class Partnerships {
  readonly signIns: PasswordSignInRequest[] = [];
  readonly partners = new Set<string>();
  listener: CredentialsListener | undefined;

  readonly registry = {
    signIn: async (request: PasswordSignInRequest) => {
      this.signIns.push(request);
      if (request.password !== PASSWORD)
        return { ok: false, refusal: { status: 401, error: 'invalid_credentials', message: 'no' } };
      this.partners.add(request.deviceId);
      return {
        ok: true,
        value: {
          accountId: ACCOUNT,
          address: ADDRESS,
          deviceId: request.deviceId,
          created: true,
          access: 'allowed',
          accessRule: 'default',
          revision: this.signIns.length,
        },
      };
    },
  } as unknown as RegistryClient;

  readonly views = {
    isCaughtUp: true,
    onAccountChanged: (listener: CredentialsListener) => (this.listener = listener),
    waitForRevision: async () => true,
    standingOf: (_accountId: string, deviceId: string) =>
      ({ known: this.partners.has(deviceId) }) as DeviceStanding,
  } as unknown as DeviceViews;

  authenticator(): EasAuthenticator {
    return new EasAuthenticator(
      this.registry,
      this.views,
      { PASSWORD_AUTH_CACHE_SECONDS: 60 } as ActiveSyncConfig,
      pino({ level: 'silent' }),
      new ActiveSyncMetrics(new Registry()),
    );
  }

  changed(accountStatus: DeviceCredentialsV1['accountStatus']): void {
    this.listener?.(ACCOUNT, { accountStatus } as DeviceCredentialsV1);
  }
}

const phone = (deviceId: string): DeviceDescription => ({
  deviceId,
  deviceType: 'iPhone',
  model: null,
  os: null,
  userAgent: 'Apple-iPhone15C2/2201.100',
  clientAddress: '192.0.2.1',
});

describe(EasAuthenticator.name, () => {
  it('asks the registry once per account for phones that are already partners, not once per phone', async () => {
    const world = new Partnerships();
    for (const id of ['one', 'two', 'three']) world.partners.add(id);
    // A gateway that just started: every phone comes back at once.
    const authenticator = world.authenticator();
    const first = await authenticator.authenticate(basic(), phone('one'));
    expect(first.ok).toBe(true);
    const rest = await Promise.all(
      ['two', 'three', 'one', 'two'].map((id) => authenticator.authenticate(basic(), phone(id))),
    );
    expect(rest.every((outcome) => outcome.ok)).toBe(true);
    expect(world.signIns).toHaveLength(1);
  });

  it('signs a DeviceId the account does not list yet in through the registry', async () => {
    const world = new Partnerships();
    const authenticator = world.authenticator();
    await authenticator.authenticate(basic(), phone('old'));
    const fresh = await authenticator.authenticate(basic(), phone('new'));
    expect(fresh).toMatchObject({ ok: true, device: { deviceId: 'new', accountId: ACCOUNT } });
    expect(world.signIns.map((request) => request.deviceId)).toEqual(['old', 'new']);
  });

  it('never lets a wrong password in on the strength of a remembered sign-in', async () => {
    const world = new Partnerships();
    const authenticator = world.authenticator();
    await authenticator.authenticate(basic(), phone('one'));
    const wrong = await authenticator.authenticate(basic('guess'), phone('one'));
    expect(wrong).toMatchObject({ ok: false, http: 401 });
    expect(world.signIns).toHaveLength(2);
  });

  it('asks the registry again for a removed device, and forgets the account when it is disabled, not when a device changes', async () => {
    const world = new Partnerships();
    const authenticator = world.authenticator();
    await authenticator.authenticate(basic(), phone('one'));
    await authenticator.authenticate(basic(), phone('two'));
    world.changed('active');
    await authenticator.authenticate(basic(), phone('one'));
    expect(world.signIns).toHaveLength(2);

    // The administrator removes "two": it is no partner any more, so the registry decides again.
    world.partners.delete('two');
    await authenticator.authenticate(basic(), phone('two'));
    expect(world.signIns).toHaveLength(3);

    world.changed('disabled');
    await authenticator.authenticate(basic(), phone('one'));
    expect(world.signIns).toHaveLength(4);
  });

  it('remembers the credentials by a keyed digest, never the password itself', async () => {
    const world = new Partnerships();
    const authenticator = world.authenticator();
    await authenticator.authenticate(basic(), phone('one'));
    const remembered = JSON.stringify([
      ...(authenticator as unknown as { signIns: { entries: Map<string, unknown> } }).signIns.entries,
    ]);
    expect(remembered).toContain(ACCOUNT);
    expect(remembered).not.toContain(PASSWORD);
    expect(remembered).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });
});

/** A phone's token, the registry's word on it, and views that hold it once they reach a revision. */
class FreshToken {
  readonly token = 'pmd_fresh-phone-token-000000000000000000000000';
  readonly checked: string[] = [];
  /** The tokens the views hold, and what they will hold once they reach the revision awaited. */
  held = new Set<string>();
  heldOnceCaughtUp = new Set<string>([this.token]);
  answer: () => Promise<unknown> = () =>
    Promise.resolve({ ok: true, value: { accountId: ACCOUNT, deviceId: 'fresh', revision: 4 } });
  catchesUp = true;
  readonly metrics = new ActiveSyncMetrics(new Registry());

  /** pushmail_activesync_token_checks_total by verdict. */
  async checks(): Promise<Record<string, number>> {
    const { values } = await this.metrics.tokenChecks.metric.get();
    return Object.fromEntries(values.map((value) => [String(value.labels['verdict']), value.value]));
  }

  authenticator(): EasAuthenticator {
    const registry = {
      checkToken: (tokenSha256: string) => {
        this.checked.push(tokenSha256);
        return this.answer();
      },
    } as unknown as RegistryClient;
    const views = {
      isCaughtUp: true,
      onAccountChanged: () => undefined,
      waitForRevision: () => {
        if (this.catchesUp) this.held = this.heldOnceCaughtUp;
        return Promise.resolve(this.catchesUp);
      },
      deviceOfToken: (token: string) =>
        this.held.has(token) ? { accountId: ACCOUNT, deviceId: 'fresh' } : undefined,
      addressOf: () => ADDRESS,
    } as unknown as DeviceViews;
    return new EasAuthenticator(
      registry,
      views,
      {
        PASSWORD_AUTH_CACHE_SECONDS: 60,
        TOKEN_CHECK_TIMEOUT_MS: 1000,
        TOKEN_CHECK_RATE_PER_SECOND: 20,
        TOKEN_CHECK_BURST: 50,
        TOKEN_CHECK_VIEW_WAIT_MS: 3000,
      } as ActiveSyncConfig,
      pino({ level: 'silent' }),
      this.metrics,
    );
  }
}

describe(`${EasAuthenticator.name} with a token the views do not hold yet`, () => {
  it('lets the phone in once the views hold the revision device-registry named', async () => {
    const fresh = new FreshToken();
    const outcome = await fresh.authenticator().authenticate(`Bearer ${fresh.token}`, phone('fresh'));
    expect(outcome).toEqual({
      ok: true,
      device: { accountId: ACCOUNT, deviceId: 'fresh', address: ADDRESS },
    });
    expect(fresh.checked).toHaveLength(1);
  });

  it('refuses with 401 a token device-registry confirmed but the caught-up views no longer hold', async () => {
    const fresh = new FreshToken();
    fresh.heldOnceCaughtUp = new Set();
    const outcome = await fresh.authenticator().authenticate(`Bearer ${fresh.token}`, phone('fresh'));
    expect(outcome).toMatchObject({ ok: false, http: 401 });
  });

  it('refuses with 401 a token device-registry does not know', async () => {
    const fresh = new FreshToken();
    fresh.answer = () =>
      Promise.resolve({
        ok: false,
        refusal: { status: 401, error: 'invalid_token', message: 'no', body: {} },
      });
    const outcome = await fresh.authenticator().authenticate(`Bearer ${fresh.token}`, phone('fresh'));
    expect(outcome).toMatchObject({ ok: false, http: 401 });
  });

  it('asks the phone to retry, not for a password, when device-registry cannot be asked or the views lag', async () => {
    const fresh = new FreshToken();
    fresh.answer = () => Promise.reject(new RegistryUnavailableError('device-registry unreachable'));
    expect(await fresh.authenticator().authenticate(`Bearer ${fresh.token}`, phone('fresh'))).toMatchObject({
      ok: false,
      http: 503,
      headers: { 'Retry-After': '5' },
    });
    const lagging = new FreshToken();
    lagging.catchesUp = false;
    expect(
      await lagging.authenticator().authenticate(`Bearer ${lagging.token}`, phone('fresh')),
    ).toMatchObject({
      ok: false,
      http: 503,
      headers: { 'Retry-After': '1' },
    });
  });

  it('counts each check in pushmail_activesync_token_checks_total by verdict, and none for a token the views hold', async () => {
    const fresh = new FreshToken();
    const authenticator = fresh.authenticator();
    expect(await fresh.checks()).toEqual({ indexed: 0, unknown: 0, unavailable: 0 });
    await authenticator.authenticate(`Bearer ${fresh.token}`, phone('fresh'));
    expect(await fresh.checks()).toEqual({ indexed: 1, unknown: 0, unavailable: 0 });
    // The views hold it now: no check, nothing counted.
    await authenticator.authenticate(`Bearer ${fresh.token}`, phone('fresh'));
    expect(await fresh.checks()).toEqual({ indexed: 1, unknown: 0, unavailable: 0 });
    fresh.answer = () =>
      Promise.resolve({
        ok: false,
        refusal: { status: 401, error: 'invalid_token', message: 'no', body: {} },
      });
    await authenticator.authenticate('Bearer pmd_another-token-0000000000000000000000000', phone('fresh'));
    fresh.answer = () => Promise.reject(new RegistryUnavailableError('device-registry unreachable'));
    await authenticator.authenticate('Bearer pmd_a-third-token-00000000000000000000000000', phone('fresh'));
    expect(await fresh.checks()).toEqual({ indexed: 1, unknown: 1, unavailable: 1 });
    expect(fresh.checked).toHaveLength(3);
  });
});
