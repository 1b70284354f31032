import { Inject, Injectable } from '@nestjs/common';
import { RegistryClient, tokenReadThrough, type TokenReadThrough, type TokenVerdict } from '@pushmail/edge';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { PushConfig } from '../config/push-config.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import type { TokenConfirmation } from './device-authenticator.js';
import { DeviceCredentialsView } from './device-credentials.view.js';

/**
 * Asks device-registry about a device token this replica's credentials index does not hold, and
 * waits for the index to catch up with a token it confirms (see TokenReadThrough).
 */
@Injectable()
export class DeviceTokenCheck implements TokenConfirmation {
  private readonly readThrough: TokenReadThrough;
  private readonly log: Logger;

  constructor(
    @Inject(RegistryClient) registry: RegistryClient,
    @Inject(DeviceCredentialsView) credentials: DeviceCredentialsView,
    @Inject(CONFIG) config: PushConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
  ) {
    this.log = logger.child({ component: 'device-token-check' });
    this.readThrough = tokenReadThrough(registry, credentials, config);
  }

  async confirm(tokenSha256: string): Promise<TokenVerdict> {
    const verdict = await this.readThrough.resolve(tokenSha256);
    this.metrics.tokenChecked(verdict.kind);
    // A spent rate is the flood's own doing: only a registry without an answer, or a lagging index, is news.
    if (verdict.kind === 'unavailable' && verdict.reason !== 'throttled') {
      this.log.warn({ reason: verdict.reason }, 'a device token could not be checked');
    }
    return verdict;
  }
}
