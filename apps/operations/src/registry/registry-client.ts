import { BadGatewayException, HttpException, Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import type { AccountSummary, DevicePage, DeviceSummary } from './registry-types.js';

const TIMEOUT_MS = 10_000;

/**
 * Accounts and devices as device-registry's admin API tells them: operations never reads the
 * registry's tables. A refusal of the registry (an unknown account or device) is passed on as it came.
 */
@Injectable()
export class RegistryClient {
  private readonly base: string;
  private readonly authorization: string;

  constructor(@Inject(CONFIG) config: Pick<OperationsConfig, 'REGISTRY_URL' | 'ADMIN_TOKEN'>) {
    this.base = config.REGISTRY_URL.replace(/\/+$/, '');
    this.authorization = `Bearer ${config.ADMIN_TOKEN}`;
  }

  account(accountId: string): Promise<AccountSummary> {
    return this.get(`/admin/accounts/${encodeURIComponent(accountId)}`);
  }

  device(accountId: string, deviceId: string): Promise<DeviceSummary> {
    return this.get(
      `/admin/accounts/${encodeURIComponent(accountId)}/devices/${encodeURIComponent(deviceId)}`,
    );
  }

  devicesOf(accountId: string): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    return this.get(`/admin/accounts/${encodeURIComponent(accountId)}/devices`);
  }

  /** One page of the organisation's devices, oldest first. */
  devices(page: { limit: number; cursor?: string }): Promise<DevicePage> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor) query.set('cursor', page.cursor);
    return this.get(`/admin/devices?${query.toString()}`);
  }

  /** device-registry's own OpenAPI document. */
  openApiDocument(): Promise<Record<string, unknown>> {
    return this.get('/admin/openapi.json');
  }

  private async get<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(error instanceof Error ? error.message : String(error));
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok && body !== undefined) return body as T;
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && isObject(body)) {
      throw new HttpException(body, response.status);
    }
    throw unreachable(`device-registry answered HTTP ${response.status}`);
  }
}

function unreachable(detail: string): BadGatewayException {
  return new BadGatewayException({
    error: 'registry_unavailable',
    message: `device-registry could not be asked: ${detail}`,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
