import {
  Catch,
  Inject,
  Injectable,
  type INestApplication,
  type InjectionToken,
  type OnModuleDestroy,
  type RpcExceptionFilter,
} from '@nestjs/common';
import {
  BaseRpcContext,
  type CustomTransportStrategy,
  type MessageHandler,
  NestMicroservice,
  Server,
} from '@nestjs/microservices';
import { allTopics, type TopicDefinition } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { lastValueFrom, type Observable, throwError } from 'rxjs';
import type { z } from 'zod';
import { LOGGER } from '../config/config.module.js';
import { ReadinessRegistry } from '../health/health.module.js';
import { type ConsumedEvent, EventConsumer } from './event-consumer.js';
import { EventProducer } from './event-producer.js';
import { KAFKA } from './messaging.tokens.js';
import { type OnDemandSettings, OnDemandSubscriptions } from './on-demand-subscriptions.js';

const SUBSCRIPTION = 'pushmail.kafka.subscription';

/** How a handler's consumer-group member reads its topic. */
export interface SubscriptionSettings {
  groupId: string;
  fromBeginning: boolean;
  /** Batches of this many partitions are handled at once (events are keyed by account). */
  partitionsConsumedConcurrently?: number;
  /** See `EventConsumerOptions.isolateAfterAttempts`. */
  isolateAfterAttempts?: number;
  maxBatchSize?: number;
  /** See `EventConsumerOptions.commitIntervalMs`. */
  commitIntervalMs?: number;
  /** Readiness check that holds while the consumer runs; subscriptions may share one name. */
  readiness: string;
  /**
   * Followed only while the service has a use for it (`OnDemandSubscriptions`, ADR 0107): for a
   * group of the process's own that reads from the end.
   */
  onDemand?: OnDemandSettings;
}

/** Reads a provider of the application, for settings that come from config. */
export type ProviderLookup = <T>(token: InjectionToken) => T;

/**
 * The `extras` of `@EventPattern<string>(topic.name, subscription(...))`: the consumer group and
 * how it reads. Given as a function when the settings come from the service's config. (`<string>`
 * picks the decorator's untyped form, whose handler may take a typed `@Ctx()`.)
 */
export function subscription(
  settings: SubscriptionSettings | ((get: ProviderLookup) => SubscriptionSettings),
): Record<string, unknown> {
  return { [SUBSCRIPTION]: settings };
}

/**
 * What `@Ctx()` holds in a Kafka event handler. The `@Payload()` is the batch: valid events of one
 * partition, in offset order.
 */
export class KafkaBatchContext extends BaseRpcContext<[topic: string, partition: number, attempt: number]> {
  getTopic(): string {
    return this.args[0];
  }

  getPartition(): number {
    return this.args[1];
  }

  /** 1 for the first try of this batch; more when it is retried after a failure. */
  getAttempt(): number {
    return this.args[2];
  }
}

/**
 * Hands a handler's error to the consumer as it was thrown, instead of Nest's generic RPC error:
 * the consumer tells a `PoisonEventError` (dead-letter it) from anything else (retry).
 */
@Catch()
class HandlerErrorsToConsumer implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * The transport strategy behind every `@EventPattern` of a service: one `EventConsumer` per
 * handler, which keeps the delivery guarantees (batches per partition, offsets committed after the
 * handler resolved, retries while the partition is owned, dead letters with the original bytes).
 */
@Injectable()
export class KafkaEventTransport extends Server implements CustomTransportStrategy, OnModuleDestroy {
  override readonly transportId = Symbol('pushmail-kafka');
  private readonly consumers: EventConsumer<z.ZodType>[] = [];
  private lookup: ProviderLookup = () => {
    throw new Error('the transport reads settings from the application: start it with connectMessaging');
  };
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EventProducer) private readonly deadLetters: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(OnDemandSubscriptions) private readonly onDemand: OnDemandSubscriptions,
  ) {
    super();
  }

  useProviders(lookup: ProviderLookup): void {
    this.lookup = lookup;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const byReadiness = new Map<string, EventConsumer<z.ZodType>[]>();
      for (const [pattern, handler] of this.getHandlers()) {
        const { consumer, readiness } = this.consumerFor(pattern, handler);
        this.consumers.push(consumer);
        byReadiness.set(readiness, [...(byReadiness.get(readiness) ?? []), consumer]);
      }
      for (const [name, consumers] of byReadiness)
        this.readiness.register(name, () => consumers.every((consumer) => consumer.isRunning));
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Lets the batches in hand finish and commit; runs before any other module's destroy hook. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  close(): Promise<void> {
    this.closing ??= Promise.all(this.consumers.map((consumer) => consumer.stop())).then(() => undefined);
    return this.closing;
  }

  on(): never {
    throw new Error('the Kafka event transport reports no events');
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  private consumerFor(
    pattern: string,
    handler: MessageHandler,
  ): { consumer: EventConsumer<z.ZodType>; readiness: string } {
    const topic: TopicDefinition | undefined = allTopics.find((candidate) => candidate.name === pattern);
    if (!topic) throw new Error(`@EventPattern('${pattern}') names no topic of the contracts`);
    if (!handler.isEventHandler) throw new Error(`${pattern}: Kafka topics take @EventPattern handlers only`);
    if (handler.next) throw new Error(`${pattern}: one handler per topic in a service`);
    const declared = handler.extras?.[SUBSCRIPTION] as
      SubscriptionSettings | ((get: ProviderLookup) => SubscriptionSettings) | undefined;
    if (!declared) throw new Error(`${pattern}: the handler declares no subscription(...)`);
    const settings = typeof declared === 'function' ? declared(this.lookup) : declared;
    const consumer = new EventConsumer(this.kafka, this.deadLetters, this.log, {
      topic,
      groupId: settings.groupId,
      fromBeginning: settings.fromBeginning,
      ...(settings.partitionsConsumedConcurrently === undefined
        ? {}
        : { partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently }),
      ...(settings.isolateAfterAttempts === undefined
        ? {}
        : { isolateAfterAttempts: settings.isolateAfterAttempts }),
      ...(settings.maxBatchSize === undefined ? {} : { maxBatchSize: settings.maxBatchSize }),
      ...(settings.commitIntervalMs === undefined ? {} : { commitIntervalMs: settings.commitIntervalMs }),
      // Until its first use, nothing has used it: it joins its group then.
      ...(settings.onDemand && settings.onDemand.idleAfterMs > 0 ? { startPaused: true } : {}),
      handleBatch: (events, attempt) => this.invoke(handler, topic.name, events, attempt),
    });
    if (settings.onDemand) {
      if (settings.fromBeginning)
        throw new Error(`${pattern}: only a subscription that reads from the end is followed on demand`);
      this.onDemand.register(settings.onDemand, consumer);
    }
    return { consumer, readiness: settings.readiness };
  }

  private async invoke(
    handler: MessageHandler,
    topic: string,
    events: ConsumedEvent<unknown>[],
    attempt: number,
  ): Promise<void> {
    const context = new KafkaBatchContext([topic, events[0]?.partition ?? -1, attempt]);
    const result: unknown = await handler(events, context);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }
}

/**
 * Serves the application's `@EventPattern` handlers from Kafka. Runs the init hooks first
 * (migrations, topics, producer), so consumers start once the service is ready, and before the
 * application takes traffic.
 */
export async function connectMessaging(app: INestApplication): Promise<void> {
  await app.init();
  const transport = app.get(KafkaEventTransport, { strict: false });
  transport.useProviders(<T>(token: InjectionToken) => app.get<T>(token as never, { strict: false }));
  // Deferred, so the filter is in place when the handlers are bound; the application already ran
  // the init hooks the microservice would otherwise run a second time.
  const microservice = app.connectMicroservice({ strategy: transport }, { deferInitialization: true });
  microservice.useGlobalFilters(new HandlerErrorsToConsumer());
  if (microservice instanceof NestMicroservice) microservice.setIsInitHookCalled(true);
  await app.startAllMicroservices();
}
