import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '../config/config.module.js';
import { ReadinessRegistry } from '../health/health.module.js';
import { EventProducer } from './event-producer.js';
import { KafkaEventTransport } from './kafka-event-transport.js';
import { createKafka } from './kafka-client.js';
import type { MessagingConfig } from './messaging-config.js';
import { KAFKA } from './messaging.tokens.js';
import { OnDemandSubscriptions } from './on-demand-subscriptions.js';
import { prepareTopics } from './topics-admin.js';

export { KAFKA } from './messaging.tokens.js';

export interface MessagingOptions {
  clientId: string;
}

@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
    this.readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  /** Destroy hooks (consumers, relays, HTTP) run first, so no publish is cut off mid-send. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * The service's Kafka client (`KAFKA`), its event producer, and the transport that serves its
 * `@EventPattern` handlers (`connectMessaging`). The topics are created or verified before the
 * client is handed to anyone, so no view or consumer starts before they exist; the producer is
 * connected before the service takes traffic and closed last.
 */
@Module({})
export class MessagingModule {
  static register(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: KAFKA,
          inject: [CONFIG, LOGGER],
          useFactory: async (config: MessagingConfig, logger: Logger) => {
            const kafka = createKafka({
              brokers: config.KAFKA_BROKERS,
              clientId: options.clientId,
              logger,
              topicPrefix: config.KAFKA_TOPIC_PREFIX,
            });
            await prepareTopics(kafka, allTopics, logger, config);
            return kafka;
          },
        },
        {
          provide: EventProducer,
          inject: [KAFKA, LOGGER],
          useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
        },
        KafkaEventTransport,
        OnDemandSubscriptions,
        MessagingLifecycle,
      ],
      exports: [KAFKA, EventProducer, KafkaEventTransport, OnDemandSubscriptions],
    };
  }
}
