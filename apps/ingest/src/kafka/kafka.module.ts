import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import {
  CONFIG,
  createKafka,
  ensureTopics,
  EventProducer,
  LOGGER,
  ReadinessRegistry,
} from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { IngestConfig } from '../config/ingest-config.js';
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
    @Inject(LOGGER) private readonly logger: Logger,
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
      inject: [CONFIG, LOGGER],
      useFactory: (config: IngestConfig, logger: Logger): Kafka =>
        createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'ingest', logger }),
    },
    {
      provide: EventProducer,
      inject: [KAFKA, LOGGER],
      useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
    },
    KafkaLifecycle,
  ],
  exports: [KAFKA, EventProducer],
})
export class KafkaModule {}
