import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import { createKafka, ensureTopics, EventProducer, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { INGEST_CONFIG, INGEST_LOGGER, type IngestConfig } from '../config/ingest-config.js';
import { KAFKA } from './kafka.tokens.js';

/**
 * Topics exist and the producer is connected before anything else starts; the producer is the
 * last thing closed, after the SMTP server has drained (that happens in onModuleDestroy, which
 * Nest runs before beforeApplicationShutdown).
 */
@Injectable()
class KafkaLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(INGEST_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.readiness.register('kafka-producer', () => this.producer.isConnected);
    await ensureTopics(this.kafka, allTopics, this.logger);
    await this.producer.connect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [INGEST_CONFIG, INGEST_LOGGER],
      useFactory: (config: IngestConfig, logger: Logger): Kafka =>
        createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'ingest', logger }),
    },
    {
      provide: EventProducer,
      inject: [KAFKA, INGEST_LOGGER],
      useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
    },
    KafkaLifecycle,
  ],
  exports: [KAFKA, EventProducer],
})
export class KafkaModule {}
