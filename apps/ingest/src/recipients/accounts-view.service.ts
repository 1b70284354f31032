import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { accountTopic } from '@pushmail/contracts';
import { CompactedTopicView, KAFKA, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { RecipientDirectory } from './recipient-directory.js';

/** This replica's copy of every account, read from the compacted account topic into the directory. */
@Injectable()
export class AccountsViewService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly view: CompactedTopicView<typeof accountTopic.schema>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(RecipientDirectory) directory: RecipientDirectory,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.view = new CompactedTopicView(kafka, logger, {
      topic: accountTopic,
      groupPrefix: 'ingest-accounts',
      revisionOf: (account) => account.revision,
      onChange: (_accountId, next, previous) => directory.applyChange(next, previous),
    });
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
