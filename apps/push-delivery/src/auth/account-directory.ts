import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { accountTopic } from '@pushmail/contracts';
import { CompactedTopicView, KAFKA, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** Account addresses, which credential snapshots do not carry; the session resource names accounts by them. */
@Injectable()
export class AccountDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly view: CompactedTopicView<typeof accountTopic.schema>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LOGGER) logger: Logger,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {
    this.view = new CompactedTopicView(kafka, logger, {
      topic: accountTopic,
      groupPrefix: 'push-delivery-accounts',
      revisionOf: (snapshot) => snapshot.revision,
    });
  }

  addressOf(accountId: string): string | undefined {
    return this.view.get(accountId)?.address;
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('account-view', () => this.view.isCaughtUp);
    await this.view.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }
}
