import type {
  BeforeApplicationShutdown,
  FactoryProvider,
  InjectionToken,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { type AccountSnapshotV1, accountTopic } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { LOGGER } from '../config/config.module.js';
import { ReadinessRegistry } from '../health/health.module.js';
import { CompactedTopicView } from './compacted-view.js';
import { KAFKA } from './messaging.tokens.js';

/** What a service keeps current from the account snapshots, one account's change at a time. */
export interface AccountChangeSink {
  /** `next` undefined: the account is gone. */
  applyChange(next: AccountSnapshotV1 | undefined, previous: AccountSnapshotV1 | undefined): void;
}

/**
 * This replica's copy of every account, read from the compacted account topic into a sink of the
 * service's own. The service is not ready (`accounts-view`) until every account present on the topic
 * at start has been read.
 */
export class AccountsView implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly view: CompactedTopicView<typeof accountTopic.schema>;

  constructor(
    kafka: Kafka,
    logger: Logger,
    private readonly readiness: ReadinessRegistry,
    groupPrefix: string,
    sink: AccountChangeSink,
  ) {
    this.view = new CompactedTopicView(kafka, logger, {
      topic: accountTopic,
      groupPrefix,
      revisionOf: (account) => account.revision,
      onChange: (_accountId, next, previous) => sink.applyChange(next, previous),
    });
  }

  /** The view of a service as a provider: `sink` is the provider it keeps current. */
  static provider(
    groupPrefix: string,
    sink: InjectionToken<AccountChangeSink>,
  ): FactoryProvider<AccountsView> {
    return {
      provide: AccountsView,
      inject: [KAFKA, LOGGER, ReadinessRegistry, sink],
      useFactory: (kafka: Kafka, logger: Logger, readiness: ReadinessRegistry, target: AccountChangeSink) =>
        new AccountsView(kafka, logger, readiness, groupPrefix, target),
    };
  }

  /** Resolves once every account present on the topic at start has been read. */
  get caughtUp(): Promise<void> {
    return this.view.ready;
  }

  get isCaughtUp(): boolean {
    return this.view.isCaughtUp;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('accounts-view', () => this.view.isCaughtUp);
    await this.view.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }
}
