import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import { CONFIG, createKafka, ensureTopics, EventProducer, LOGGER } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { PushConfig } from '../config/push-config.js';

export const KAFKA = Symbol('KAFKA');

/** Only dead letters: push-delivery publishes no events of its own. */
@Injectable()
export class DeadLetterProducer extends EventProducer implements OnApplicationShutdown {
  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(LOGGER) logger: Logger) {
    super(kafka, logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [CONFIG, LOGGER],
      // Every view and consumer injects the client, so none of them starts before the topics exist.
      useFactory: async (config: PushConfig, logger: Logger): Promise<Kafka> => {
        const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'push-delivery', logger });
        await ensureTopics(kafka, allTopics, logger);
        return kafka;
      },
    },
    DeadLetterProducer,
  ],
  exports: [KAFKA, DeadLetterProducer],
})
export class MessagingModule {}
