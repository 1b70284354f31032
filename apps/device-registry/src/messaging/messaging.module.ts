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
import { REGISTRY_CONFIG, REGISTRY_LOGGER, type RegistryConfig } from '../config/registry-config.js';

export const KAFKA = Symbol('KAFKA');

@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(REGISTRY_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureTopics(this.kafka, allTopics, this.logger);
    await this.producer.connect();
    this.readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  /** After the HTTP server and the relay have stopped, so no snapshot is cut off mid-send. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [REGISTRY_CONFIG, REGISTRY_LOGGER],
      useFactory: (config: RegistryConfig, logger: Logger) =>
        createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'device-registry', logger }),
    },
    {
      provide: EventProducer,
      inject: [KAFKA, REGISTRY_LOGGER],
      useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
    },
    MessagingLifecycle,
  ],
  exports: [EventProducer],
})
export class MessagingModule {}
