import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { PushConfig } from '../config/push-config.js';
import {
  parseBasic,
  RegistryClient,
  RegistryUnavailableError,
  refusedSignIn,
  SignInCache,
} from '@pushmail/edge';
import { credentialsKey, deviceIdentityOf } from './basic-credentials.js';
import { type AuthOutcome, WWW_AUTHENTICATE_BASIC } from './device-authenticator.js';
import { DeviceCredentialsView } from './device-credentials.view.js';

/** How long a sign-in waits for this replica to see the partnership the registry just created. */
const VIEW_WAIT_MS = 5000;

interface CachedSignIn {
  accountId: string;
  deviceId: string;
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
  private readonly signIns: SignInCache<CachedSignIn, AuthOutcome>;
  private readonly log: Logger;

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(CONFIG) config: PushConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'password-sign-in' });
    this.signIns = new SignInCache(() => config.PASSWORD_AUTH_CACHE_SECONDS * 1000);
    credentials.onAccountChanged((accountId) => this.signIns.forgetAccount(accountId));
  }

  get cachedSignIns(): number {
    return this.signIns.size;
  }

  async authenticate(request: PasswordSignInRequest): Promise<AuthOutcome> {
    const credentials = parseBasic(request.authorization);
    if (!credentials) return challenge(401, 'malformed Basic credentials: send base64(address:password)');
    const identity = deviceIdentityOf(request.headers, request.url, credentials.address);
    if (!identity.ok) return { ok: false, status: 400, detail: identity.detail };
    const key = credentialsKey(credentials, identity.identity);

    const cached = this.signIns.get(key);
    if (cached) return { ok: true, device: cached };
    // Requests of one client arriving together cost one password check, not one each.
    return this.signIns.once(key, () =>
      this.signIn(key, { ...credentials, ...identity.identity, clientAddress: request.clientAddress }),
    );
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
      return { ok: false, ...refusedSignIn(answer.refusal, BASIC_CHALLENGE) };
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
    const device = { accountId: principal.accountId, deviceId: principal.deviceId };
    this.signIns.remember(key, principal.accountId, device);
    return { ok: true, device };
  }
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': WWW_AUTHENTICATE_BASIC };

function challenge(status: 401, detail: string): AuthOutcome {
  return { ok: false, status, detail, headers: BASIC_CHALLENGE };
}
