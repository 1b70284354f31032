import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Json, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { OperationsConfig } from '../config/operations-config.js';

const TIMEOUT_MS = 10_000;

/** outbound's admin API as operations reads it itself. */
@Injectable()
export class OutboundClient {
  private readonly base: string;
  private readonly authorization: string;

  constructor(
    @Inject(CONFIG) config: Pick<OperationsConfig, 'OUTBOUND_URL' | 'ADMIN_TOKEN'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.base = config.OUTBOUND_URL.replace(/\/+$/, '');
    this.authorization = `Bearer ${config.ADMIN_TOKEN}`;
  }

  /** outbound's part of the admin API's document; undefined (and a warning) while it cannot be read. */
  async openApiDocument(): Promise<Json | undefined> {
    try {
      const response = await fetch(`${this.base}/admin/openapi.json`, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      return (await response.json()) as Json;
    } catch (error) {
      this.logger.warn(
        { err: error },
        "outbound's OpenAPI document could not be read: the sending operations are left out",
      );
      return undefined;
    }
  }
}
