import { Inject, Injectable } from '@nestjs/common';
import { isObject } from '@pushmail/jmap';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';

/** device-registry could not be asked (down, slow, or broken): the device should retry later. */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
}

/** device-registry refused (4xx): `error` is its stable code, `message` its explanation. */
export interface RegistryRefusal {
  status: number;
  error: string;
  message: string;
  retryAfterSeconds?: number;
}

export type RegistryAnswer<T> = { ok: true; value: T } | { ok: false; refusal: RegistryRefusal };

export interface SignInRequest {
  address: string;
  password: string;
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  userAgent: string | null;
  clientAddress: string | null;
}

export interface SignedInPrincipal {
  accountId: string;
  address: string;
  deviceId: string;
  created: boolean;
  access: 'allowed' | 'blocked' | 'quarantined';
  accessRule: string;
  revision: number;
}

export interface ActivityReport {
  accountId: string;
  deviceId: string;
  seenAt: string;
  clientAddress: string | null;
}

/**
 * device-registry's internal API, as push-delivery uses it: sign-ins (same lockout, same audit,
 * the same partnership as JMAP devices), policy acknowledgements and wipe confirmations.
 */
@Injectable()
export class RegistryClient {
  private readonly authorization: string;

  constructor(@Inject(CONFIG) private readonly config: ActiveSyncConfig) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
  }

  signIn(request: SignInRequest): Promise<RegistryAnswer<SignedInPrincipal>> {
    return this.post('/internal/v1/authenticate', request, (value) =>
      isObject(value) &&
      typeof value['accountId'] === 'string' &&
      typeof value['deviceId'] === 'string' &&
      typeof value['revision'] === 'number' &&
      (value['access'] === 'allowed' || value['access'] === 'blocked' || value['access'] === 'quarantined')
        ? (value as unknown as SignedInPrincipal)
        : undefined,
    );
  }

  acknowledgePolicy(body: {
    accountId: string;
    deviceId: string;
    version: number;
    policyId: string;
  }): Promise<RegistryAnswer<{ revision: number }>> {
    return this.post('/internal/v1/devices/policy-acknowledgements', body, revisionOnly);
  }

  confirmWipe(body: {
    accountId: string;
    deviceId: string;
    wipeId: string;
  }): Promise<RegistryAnswer<{ revision: number }>> {
    return this.post('/internal/v1/devices/wipe-confirmations', body, revisionOnly);
  }

  reportActivity(sightings: readonly ActivityReport[]): Promise<RegistryAnswer<{ updated: number }>> {
    return this.post('/internal/v1/devices/activity', { sightings }, (value) =>
      isObject(value) && typeof value['updated'] === 'number' ? { updated: value['updated'] } : undefined,
    );
  }

  private async post<T>(
    path: string,
    body: unknown,
    read: (value: unknown) => T | undefined,
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
        signal: AbortSignal.timeout(this.config.REGISTRY_TIMEOUT_MS),
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
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      },
    };
  }
}

function revisionOnly(value: unknown): { revision: number } | undefined {
  return isObject(value) && typeof value['revision'] === 'number'
    ? { revision: value['revision'] }
    : undefined;
}
