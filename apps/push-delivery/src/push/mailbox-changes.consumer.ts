import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mailboxChangedTopic } from '@pushmail/contracts';
import { CONFIG, EventConsumer, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { PushConfig } from '../config/push-config.js';
import { DeadLetterProducer, KAFKA } from '../messaging/messaging.module.js';
import { ChangeCoalescer } from './change-coalescer.js';
import { PushFanout } from './push-fanout.service.js';

/**
 * Every replica reads every mailbox change (a consumer group of its own, from the latest offset:
 * a device that was offline catches up from its push state, not from history) and pushes it to
 * the sockets it holds.
 */
@Injectable()
export class MailboxChangesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: EventConsumer<typeof mailboxChangedTopic.schema>;
  private readonly coalescer: ChangeCoalescer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(DeadLetterProducer) deadLetters: DeadLetterProducer,
    @Inject(CONFIG) config: PushConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(PushFanout) fanout: PushFanout,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {
    this.coalescer = new ChangeCoalescer(config.PUSH_COALESCE_MS, (change) => fanout.deliver(change));
    this.consumer = new EventConsumer(kafka, deadLetters, logger, {
      topic: mailboxChangedTopic,
      groupId: `push-delivery-${hostname()}-${randomBytes(6).toString('hex')}`,
      fromBeginning: false,
      handleBatch: async (events) => {
        const receivedAt = performance.now();
        for (const { event, headers } of events) {
          const acceptedAt = event.acceptedAt === undefined ? undefined : Date.parse(event.acceptedAt);
          this.coalescer.add(event.accountId, event.changed, event.state, receivedAt, headers, acceptedAt);
        }
        this.coalescer.flushBatch();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('mailbox-changes-consumer', () => this.consumer.isRunning);
    await this.consumer.start();
  }

  /** After the sockets are closed (module destroy), before Kafka clients go. */
  async beforeApplicationShutdown(): Promise<void> {
    this.coalescer.dispose();
    await this.consumer.stop();
  }
}
