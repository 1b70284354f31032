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
import { LocalRecipients } from './local-recipients.js';

/** This replica's copy of every account, so mail for a hosted address never leaves over SMTP. */
@Injectable()
export class AccountsViewService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly view: CompactedTopicView<typeof accountTopic.schema>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LocalRecipients) recipients: LocalRecipients,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.view = new CompactedTopicView(kafka, logger, {
      topic: accountTopic,
      groupPrefix: 'outbound-accounts',
      revisionOf: (account) => account.revision,
      onChange: (_accountId, next, previous) => recipients.applyChange(next, previous),
    });
  }

  /** Resolves once every account present on the topic at start has been read. */
  get caughtUp(): Promise<void> {
    return this.view.ready;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('accounts-view', () => this.view.isCaughtUp);
    await this.view.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }
}
