import {
  type DynamicModule,
  Inject,
  Injectable,
  type InjectionToken,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { allTopics } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { ReadinessRegistry } from '../health/health.module.js';
import { EventProducer } from './event-producer.js';
import { createKafka } from './kafka-client.js';
import { ensureTopics } from './topics-admin.js';

/** The service's one Kafka client; every consumer and view of the service shares it. */
export const KAFKA = Symbol('KAFKA');
const MESSAGING_LOGGER = Symbol('MESSAGING_LOGGER');

export interface MessagingOptions {
  clientId: string;
  /** Provider of the service's validated config, which carries KAFKA_BROKERS. */
  configToken: InjectionToken;
  loggerToken: InjectionToken;
}

@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(MESSAGING_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureTopics(this.kafka, allTopics, this.logger);
    await this.producer.connect();
    this.readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  /** Destroy hooks (consumers, relays, HTTP) run first, so no publish is cut off mid-send. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * The Kafka client and the event producer of a service that publishes: topics ensured and the
 * producer connected before the service takes traffic, the producer closed last.
 */
@Module({})
export class MessagingModule {
  static register(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_LOGGER, useExisting: options.loggerToken },
        {
          provide: KAFKA,
          inject: [options.configToken, options.loggerToken],
          useFactory: (config: { KAFKA_BROKERS: string[] }, logger: Logger) =>
            createKafka({ brokers: config.KAFKA_BROKERS, clientId: options.clientId, logger }),
        },
        {
          provide: EventProducer,
          inject: [KAFKA, options.loggerToken],
          useFactory: (kafka: Kafka, logger: Logger) => new EventProducer(kafka, logger),
        },
        MessagingLifecycle,
      ],
      exports: [KAFKA, EventProducer],
    };
  }
}
