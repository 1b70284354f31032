import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { PushConfig } from '../config/push-config.js';
import { credentialsKey, deviceIdentityOf, parseBasic } from './basic-credentials.js';
import { type AuthOutcome, WWW_AUTHENTICATE_BASIC } from './device-authenticator.js';
import { DeviceCredentialsView } from './device-credentials.view.js';
import { RegistryClient, RegistryUnavailableError } from './registry-client.js';

/** How long a sign-in waits for this replica to see the partnership the registry just created. */
const VIEW_WAIT_MS = 5000;

interface CachedSignIn {
  accountId: string;
  deviceId: string;
  expiresAt: number;
}

export interface PasswordSignInRequest {
  authorization: string | undefined;
  headers: IncomingHttpHeaders;
  url: string | undefined;
  clientAddress: string | null;
}

/**
 * Standard JMAP clients that know only the account's address and password (HTTP Basic). The
 * registry checks the password (argon2id), creates or refreshes the partnership and applies every
 * rule; a success is remembered briefly under a digest of the credentials, and forgotten as soon
 * as the account's credentials snapshot changes, so argon2 does not run on every request.
 */
@Injectable()
export class PasswordSignIn {
  private readonly cache = new Map<string, CachedSignIn>();
  private readonly keysByAccount = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<AuthOutcome>>();
  private readonly log: Logger;

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(CONFIG) private readonly config: PushConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'password-sign-in' });
    credentials.onAccountChanged((accountId) => this.forgetAccount(accountId));
  }

  get cachedSignIns(): number {
    return this.cache.size;
  }

  async authenticate(request: PasswordSignInRequest): Promise<AuthOutcome> {
    const credentials = parseBasic(request.authorization);
    if (!credentials) return challenge(401, 'malformed Basic credentials: send base64(address:password)');
    const identity = deviceIdentityOf(request.headers, request.url, credentials.address);
    if (!identity.ok) return { ok: false, status: 400, detail: identity.detail };
    const key = credentialsKey(credentials, identity.identity);

    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) {
      return { ok: true, device: { accountId: cached.accountId, deviceId: cached.deviceId } };
    }
    // Requests of one client arriving together cost one password check, not one each.
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.signIn(key, {
        ...credentials,
        ...identity.identity,
        clientAddress: request.clientAddress,
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async signIn(key: string, request: Parameters<RegistryClient['signIn']>[0]): Promise<AuthOutcome> {
    let answer: Awaited<ReturnType<RegistryClient['signIn']>>;
    try {
      answer = await this.registry.signIn(request);
    } catch (error) {
      this.log.warn(
        { reason: error instanceof RegistryUnavailableError ? error.message : String(error) },
        'password sign-in failed',
      );
      return {
        ok: false,
        status: 503,
        detail: 'sign-in is unavailable right now; retry shortly',
        headers: { 'Retry-After': '5' },
      };
    }
    if (!answer.ok) {
      const { refusal } = answer;
      if (refusal.status === 401) return challenge(401, 'wrong address or password');
      if (refusal.status === 429) {
        return {
          ok: false,
          status: 429,
          detail: refusal.message,
          headers: { 'Retry-After': String(refusal.retryAfterSeconds ?? 60) },
        };
      }
      if (refusal.status === 400) return { ok: false, status: 400, detail: refusal.message };
      return { ok: false, status: 403, detail: refusal.message };
    }
    const principal = answer.value;
    if (!(await this.credentials.waitForRevision(principal.accountId, principal.revision, VIEW_WAIT_MS))) {
      return {
        ok: false,
        status: 503,
        detail: 'device credentials are still loading; retry shortly',
        headers: { 'Retry-After': '1' },
      };
    }
    const ttlMs = this.config.PASSWORD_AUTH_CACHE_SECONDS * 1000;
    if (ttlMs > 0) {
      this.cache.set(key, {
        accountId: principal.accountId,
        deviceId: principal.deviceId,
        expiresAt: Date.now() + ttlMs,
      });
      let keys = this.keysByAccount.get(principal.accountId);
      if (!keys) {
        keys = new Set();
        this.keysByAccount.set(principal.accountId, keys);
      }
      keys.add(key);
    }
    return { ok: true, device: { accountId: principal.accountId, deviceId: principal.deviceId } };
  }

  private forgetAccount(accountId: string): void {
    for (const key of this.keysByAccount.get(accountId) ?? []) this.cache.delete(key);
    this.keysByAccount.delete(accountId);
  }
}

function challenge(status: 401, detail: string): AuthOutcome {
  return { ok: false, status, detail, headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_BASIC } };
}
