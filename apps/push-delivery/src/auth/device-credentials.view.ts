import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { deviceCredentialsTopic, type DeviceCredentialsV1 } from '@pushmail/contracts';
import {
  type CredentialsListener,
  type DeviceCredential,
  DeviceCredentialIndex,
  SnapshotFollowers,
} from '@pushmail/edge';
import { CompactedTopicView, KAFKA, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { PushMetrics } from '../metrics/push-metrics.js';
import type { CredentialLookup } from './device-authenticator.js';

/** This replica's copy of every account's device credentials, indexed by token digest. */
@Injectable()
export class DeviceCredentialsView implements CredentialLookup, OnModuleInit, OnApplicationShutdown {
  private readonly index = new DeviceCredentialIndex();
  private readonly view: CompactedTopicView<typeof deviceCredentialsTopic.schema>;
  private readonly followers: SnapshotFollowers;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LOGGER) logger: Logger,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
  ) {
    this.view = new CompactedTopicView(kafka, logger, {
      topic: deviceCredentialsTopic,
      groupPrefix: 'push-delivery-credentials',
      revisionOf: (snapshot) => snapshot.revision,
      onChange: (accountId, next) => this.apply(accountId, next),
    });
    this.followers = new SnapshotFollowers(
      logger.child({ component: 'device-credentials' }),
      (accountId) => this.view.get(accountId)?.revision,
    );
  }

  get isCaughtUp(): boolean {
    return this.view.isCaughtUp;
  }

  lookup(tokenSha256: string): DeviceCredential | undefined {
    return this.index.lookup(tokenSha256);
  }

  snapshotOf(accountId: string): DeviceCredentialsV1 | undefined {
    return this.view.get(accountId);
  }

  /**
   * Resolves true once this replica holds the account's snapshot at `revision` or later, false
   * after `timeoutMs`: a change device-registry just made is then in force here too.
   */
  waitForRevision(accountId: string, revision: number, timeoutMs: number): Promise<boolean> {
    return this.followers.waitForRevision(accountId, revision, timeoutMs);
  }

  /** Called after the index holds the account's new snapshot, e.g. to disconnect revoked devices. */
  onAccountChanged(listener: CredentialsListener): void {
    this.followers.onAccountChanged(listener);
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('device-credentials-view', () => this.view.isCaughtUp);
    await this.view.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  private apply(accountId: string, snapshot: DeviceCredentialsV1 | undefined): void {
    this.index.replaceAccount(accountId, snapshot);
    this.metrics.deviceSnapshotsApplied.inc();
    this.followers.applied(accountId, snapshot);
  }
}
