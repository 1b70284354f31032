import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  parseBasic,
  RegistryClient,
  RegistryUnavailableError,
  refusedSignIn,
  sha256Hex,
  SignInCache,
  tokenReadThrough,
  type PasswordCredentials,
  type TokenReadThrough,
} from '@pushmail/edge';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { DeviceViews } from '../registry/device-views.js';
import { BASIC_CHALLENGE, parseBearer } from './basic-credentials.js';

/** How long a sign-in waits for this replica to see the partnership the registry just created or refreshed. */
const VIEW_WAIT_MS = 5000;

/** Who asks, as the device describes itself in its request line, headers and Settings. */
export interface DeviceDescription {
  deviceId: string;
  deviceType: string;
  model: string | null;
  os: string | null;
  userAgent: string | null;
  clientAddress: string | null;
}

export interface AuthenticatedDevice {
  accountId: string;
  deviceId: string;
  address: string;
  /** The Basic credentials the request carried, to refresh the partnership after Settings. */
  credentials?: PasswordCredentials;
}

/**
 * A refusal. `http`: answered with that HTTP status (and headers). `status`: the account and
 * device are known but the device may not sync: answered as the command's Status (129 blocked,
 * 177 device limit), or the HTTP equivalent for 14.0.
 */
export type AuthOutcome =
  | { ok: true; device: AuthenticatedDevice }
  | { ok: false; http: number; detail: string; headers?: Record<string, string> }
  | { ok: false; status: number; detail: string };

interface CachedSignIn {
  accountId: string;
  address: string;
}

/**
 * Basic (address and password) through device-registry's sign-in, the same one push-delivery
 * uses for standard JMAP clients: same lockout, same audit, and the same partnership, keyed by the
 * EAS DeviceId. A success is remembered for PASSWORD_AUTH_CACHE_SECONDS under a keyed digest of the
 * credentials alone (never the password), so every phone of the account that is already its partner
 * is let in without asking the registry again, however many there are and whatever they send; a
 * DeviceId the account does not list yet still signs in through the registry. Whether the device
 * may sync is decided afterwards, on every command, from this replica's device views (blocked,
 * wiped, removed), so a revoked device is refused at once whatever is remembered here. A device
 * token (Bearer) is the alternative, for the DeviceId it was issued to; one the views do not hold
 * yet is checked with device-registry and waited for in the views, which still decide (see
 * TokenReadThrough).
 */
@Injectable()
export class EasAuthenticator {
  private readonly signIns: SignInCache<CachedSignIn, AuthOutcome>;
  private readonly log: Logger;
  /** Keys the credential digests: the remembered digests cannot be tried offline against passwords. */
  private readonly digestKey = randomBytes(32);
  private readonly tokenCheck: TokenReadThrough;

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(CONFIG) config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(ActiveSyncMetrics) private readonly metrics: ActiveSyncMetrics,
  ) {
    this.log = logger.child({ component: 'eas-authenticator' });
    this.signIns = new SignInCache(() => config.PASSWORD_AUTH_CACHE_SECONDS * 1000);
    this.tokenCheck = tokenReadThrough(registry, views, config);
    // A device joining or changing does not touch the account's credentials; an account that is no
    // longer active does.
    views.onAccountChanged((accountId, snapshot) => {
      if (snapshot?.accountStatus !== 'active') this.signIns.forgetAccount(accountId);
    });
  }

  async authenticate(authorization: string | undefined, device: DeviceDescription): Promise<AuthOutcome> {
    if (!this.views.isCaughtUp) {
      return {
        ok: false,
        http: 503,
        detail: 'device views are still loading',
        headers: { 'Retry-After': '5' },
      };
    }
    const token = parseBearer(authorization);
    if (token !== undefined) return this.bearer(token, device);
    const credentials = parseBasic(authorization, { domainPrefix: true });
    if (!credentials) {
      return { ok: false, http: 401, detail: 'sign in with the address and password', headers: CHALLENGE };
    }
    const model = device.model ?? device.deviceType;
    const key = this.credentialsKey(credentials);
    const cached = this.signIns.get(key);
    if (cached && this.views.standingOf(cached.accountId, device.deviceId).known) {
      return {
        ok: true,
        device: {
          accountId: cached.accountId,
          deviceId: device.deviceId,
          address: cached.address,
          credentials,
        },
      };
    }
    // One sign-in at a time per credentials and device: a phone that opens several connections at once
    // asks the registry once.
    return this.signIns.once(`${key}:${device.deviceId}`, () => this.signIn(key, credentials, device, model));
  }

  /** Signs in afresh, so the partnership carries what the device just told about itself (Settings). */
  async refresh(credentials: PasswordCredentials, device: DeviceDescription): Promise<AuthOutcome> {
    const model = device.model ?? device.deviceType;
    return this.signIn(this.credentialsKey(credentials), credentials, device, model);
  }

  /** The credentials as the cache knows them: a keyed digest of the address and the password. */
  private credentialsKey(credentials: PasswordCredentials): string {
    return createHmac('sha256', this.digestKey)
      .update(`${credentials.address.toLowerCase()}\u0000${credentials.password}`, 'utf8')
      .digest('hex');
  }

  private async bearer(token: string, device: DeviceDescription): Promise<AuthOutcome> {
    let holder = this.views.deviceOfToken(token);
    if (!holder) {
      // A phone that was just issued its token may be faster than the snapshot that carries it.
      const verdict = await this.tokenCheck.resolve(sha256Hex(token));
      this.metrics.tokenChecked(verdict.kind);
      if (verdict.kind === 'unavailable') {
        if (verdict.reason !== 'throttled')
          this.log.warn({ reason: verdict.reason }, 'a device token could not be checked');
        return {
          ok: false,
          http: 503,
          detail: verdict.detail,
          headers: { 'Retry-After': String(verdict.retryAfterSeconds) },
        };
      }
      // Once the views hold the revision the registry named, they decide: a token revoked meanwhile is gone.
      if (verdict.kind === 'indexed') holder = this.views.deviceOfToken(token);
    }
    if (!holder)
      return { ok: false, http: 401, detail: 'unknown or revoked device token', headers: CHALLENGE };
    // A token opens only the partnership it was issued to, never another DeviceId.
    if (holder.deviceId !== device.deviceId) {
      return { ok: false, http: 403, detail: 'this device token belongs to another DeviceId' };
    }
    const address = this.views.addressOf(holder.accountId);
    if (!address)
      return { ok: false, http: 503, detail: 'account is still loading', headers: { 'Retry-After': '5' } };
    return { ok: true, device: { accountId: holder.accountId, deviceId: holder.deviceId, address } };
  }

  private async signIn(
    key: string,
    credentials: PasswordCredentials,
    device: DeviceDescription,
    model: string,
  ): Promise<AuthOutcome> {
    let answer: Awaited<ReturnType<RegistryClient['signIn']>>;
    try {
      answer = await this.registry.signIn({
        address: credentials.address,
        password: credentials.password,
        deviceId: device.deviceId,
        deviceType: device.deviceType,
        model: model.slice(0, 128),
        os: device.os,
        userAgent: device.userAgent,
        clientAddress: device.clientAddress,
      });
    } catch (error) {
      this.log.warn(
        { reason: error instanceof RegistryUnavailableError ? error.message : 'unknown' },
        'sign-in failed',
      );
      return {
        ok: false,
        http: 503,
        detail: 'sign-in is unavailable right now',
        headers: { 'Retry-After': '5' },
      };
    }
    if (!answer.ok) {
      const { refusal } = answer;
      // The registry refuses these two with a 403; EAS answers them as the command's Status.
      if (refusal.error === 'device_blocked') return { ok: false, status: 129, detail: refusal.message };
      if (refusal.error === 'device_limit_reached')
        return { ok: false, status: 177, detail: refusal.message };
      const { status, ...refused } = refusedSignIn(refusal, CHALLENGE);
      return { ok: false, http: status, ...refused };
    }
    const principal = answer.value;
    if (!(await this.views.waitForRevision(principal.accountId, principal.revision, VIEW_WAIT_MS))) {
      return {
        ok: false,
        http: 503,
        detail: 'the partnership is still loading',
        headers: { 'Retry-After': '1' },
      };
    }
    this.signIns.remember(key, principal.accountId, {
      accountId: principal.accountId,
      address: principal.address,
    });
    return {
      ok: true,
      device: {
        accountId: principal.accountId,
        deviceId: device.deviceId,
        address: principal.address,
        credentials,
      },
    };
  }
}

const CHALLENGE = { 'WWW-Authenticate': BASIC_CHALLENGE };
