import { Inject, Injectable } from '@nestjs/common';
import type {
  CheckedToken,
  ActivityRecorded,
  ActivityReport,
  InternalTokenRotation,
  PasswordSignInRequest,
  PolicyAcknowledged,
  PolicyAcknowledgement,
  SignedInPrincipal,
  WipeConfirmation,
  WipeConfirmed,
} from '@pushmail/contracts';
import { isObject } from '@pushmail/jmap';
import { CONFIG } from '@pushmail/platform';

/** What a device-edge service's config holds for calling device-registry. */
export interface RegistryClientConfig {
  REGISTRY_URL: string;
  REGISTRY_TIMEOUT_MS: number;
  INTERNAL_TOKEN: string;
}

/** device-registry could not be asked (down, slow, or broken): the device should retry later. */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
}

/** device-registry answered with a refusal (4xx): `error` is its stable code, `message` its explanation. */
export interface RegistryRefusal {
  status: number;
  error: string;
  message: string;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export type RegistryAnswer<T> = { ok: true; value: T } | { ok: false; refusal: RegistryRefusal };

// The request and answer shapes are declared once, with device-registry's validation, in the contracts.
export type {
  ActivityReport,
  CheckedToken,
  PasswordSignInRequest,
  SignedInPrincipal,
} from '@pushmail/contracts';

/**
 * device-registry's internal API as the device-edge services (push-delivery, the ActiveSync
 * gateway) use it: password sign-ins (one lockout, one audit, one partnership per device), policy
 * acknowledgements, wipe confirmations, token rotations and activity reports. Authenticated with
 * INTERNAL_TOKEN (never logged).
 */
@Injectable()
export class RegistryClient {
  private readonly authorization: string;

  constructor(@Inject(CONFIG) private readonly config: RegistryClientConfig) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
  }

  signIn(request: PasswordSignInRequest): Promise<RegistryAnswer<SignedInPrincipal>> {
    return this.post('/internal/v1/authenticate', request, isPrincipal);
  }

  acknowledgePolicy(body: PolicyAcknowledgement): Promise<RegistryAnswer<PolicyAcknowledged>> {
    return this.post('/internal/v1/devices/policy-acknowledgements', body, (value) =>
      isObject(value) && typeof value['revision'] === 'number' && typeof value['version'] === 'number'
        ? (value as PolicyAcknowledged)
        : undefined,
    );
  }

  confirmWipe(body: WipeConfirmation): Promise<RegistryAnswer<WipeConfirmed>> {
    return this.post('/internal/v1/devices/wipe-confirmations', body, (value) =>
      isObject(value) && typeof value['revision'] === 'number' ? (value as WipeConfirmed) : undefined,
    );
  }

  rotateToken(body: InternalTokenRotation): Promise<RegistryAnswer<{ token: string; revision: number }>> {
    return this.post('/internal/v1/devices/token-rotations', body, (value) =>
      isObject(value) && typeof value['token'] === 'string' && typeof value['revision'] === 'number'
        ? { token: value['token'], revision: value['revision'] }
        : undefined,
    );
  }

  /**
   * Whether a token (by its digest) is live in device-registry's database now: its device and the
   * revision whose snapshot lists it, or a 401 refusal. `timeoutMs` bounds this call alone: a device
   * waits on it during its handshake.
   */
  checkToken(tokenSha256: string, timeoutMs: number): Promise<RegistryAnswer<CheckedToken>> {
    return this.post(
      '/internal/v1/devices/token-checks',
      { tokenSha256 },
      (value) =>
        isObject(value) &&
        typeof value['accountId'] === 'string' &&
        typeof value['deviceId'] === 'string' &&
        typeof value['revision'] === 'number'
          ? { accountId: value['accountId'], deviceId: value['deviceId'], revision: value['revision'] }
          : undefined,
      timeoutMs,
    );
  }

  reportActivity(sightings: readonly ActivityReport[]): Promise<RegistryAnswer<ActivityRecorded>> {
    return this.post('/internal/v1/devices/activity', { sightings }, (value) =>
      isObject(value) && typeof value['updated'] === 'number' ? { updated: value['updated'] } : undefined,
    );
  }

  private async post<T>(
    path: string,
    body: unknown,
    read: (value: unknown) => T | undefined,
    timeoutMs = this.config.REGISTRY_TIMEOUT_MS,
  ): Promise<RegistryAnswer<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.config.REGISTRY_URL}${path}`, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new RegistryUnavailableError(`device-registry ${reason}`);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new RegistryUnavailableError(`device-registry answered HTTP ${response.status} without JSON`);
    }
    if (response.ok) {
      const value = read(json);
      if (value === undefined)
        throw new RegistryUnavailableError('device-registry answered something unexpected');
      return { ok: true, value };
    }
    const record = isObject(json) ? json : {};
    // The registry failing, or refusing our own INTERNAL_TOKEN: not the device's fault.
    if (response.status >= 500 || record['error'] === 'unauthorized') {
      throw new RegistryUnavailableError(`device-registry answered HTTP ${response.status}`);
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      refusal: {
        status: response.status,
        error: typeof record['error'] === 'string' ? record['error'] : 'refused',
        message:
          typeof record['message'] === 'string' ? record['message'] : `refused (HTTP ${response.status})`,
        body: record,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      },
    };
  }
}

function isPrincipal(value: unknown): SignedInPrincipal | undefined {
  if (
    isObject(value) &&
    typeof value['accountId'] === 'string' &&
    typeof value['deviceId'] === 'string' &&
    typeof value['revision'] === 'number' &&
    (value['access'] === 'allowed' || value['access'] === 'blocked' || value['access'] === 'quarantined')
  ) {
    return value as unknown as SignedInPrincipal;
  }
  return undefined;
}
