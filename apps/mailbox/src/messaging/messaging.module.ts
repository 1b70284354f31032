import {
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import { createKafka, ensureTopics, EventProducer, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { MAILBOX_CONFIG, MAILBOX_LOGGER, type MailboxConfig } from '../config/mailbox-config.js';

export const KAFKA = Symbol('KAFKA');

@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(MAILBOX_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureTopics(this.kafka, allTopics, this.logger);
    await this.producer.connect();
    this.readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  /** Runs after the consumer has stopped (destroy hooks come first), so no publish is cut off. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [MAILBOX_CONFIG, MAILBOX_LOGGER],
      useFactory: (config: MailboxConfig, logger: Logger) =>
        createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'mailbox', logger }),
    },
    {
      provide: EventProducer,
      inject: [KAFKA, MAILBOX_LOGGER],
      useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
    },
    MessagingLifecycle,
  ],
  exports: [KAFKA, EventProducer],
})
export class MessagingModule {}
