import { Inject, Injectable } from '@nestjs/common';
import { isObject } from '@pushmail/jmap';
import { CONFIG } from '@pushmail/platform';
import type { PushConfig } from '../config/push-config.js';

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

export interface PasswordSignInRequest {
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

/** device-registry's internal API, authenticated with INTERNAL_TOKEN (never logged). */
@Injectable()
export class RegistryClient {
  private readonly authorization: string;

  constructor(@Inject(CONFIG) private readonly config: PushConfig) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
  }

  signIn(request: PasswordSignInRequest): Promise<RegistryAnswer<SignedInPrincipal>> {
    return this.post('/internal/v1/authenticate', request, isPrincipal);
  }

  acknowledgePolicy(body: {
    accountId: string;
    deviceId: string;
    version: number;
    policyId?: string;
  }): Promise<RegistryAnswer<{ policyId: string; version: number; revision: number }>> {
    return this.post('/internal/v1/devices/policy-acknowledgements', body, (value) =>
      isObject(value) && typeof value['revision'] === 'number' && typeof value['version'] === 'number'
        ? (value as { policyId: string; version: number; revision: number })
        : undefined,
    );
  }

  confirmWipe(body: {
    accountId: string;
    deviceId: string;
    wipeId: string;
  }): Promise<RegistryAnswer<{ wipeId: string; confirmedAt: string | null; revision: number }>> {
    return this.post('/internal/v1/devices/wipe-confirmations', body, (value) =>
      isObject(value) && typeof value['revision'] === 'number'
        ? (value as { wipeId: string; confirmedAt: string | null; revision: number })
        : undefined,
    );
  }

  rotateToken(body: {
    accountId: string;
    deviceId: string;
    tokenSha256: string;
  }): Promise<RegistryAnswer<{ token: string; revision: number }>> {
    return this.post('/internal/v1/devices/token-rotations', body, (value) =>
      isObject(value) && typeof value['token'] === 'string' && typeof value['revision'] === 'number'
        ? { token: value['token'], revision: value['revision'] }
        : undefined,
    );
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
