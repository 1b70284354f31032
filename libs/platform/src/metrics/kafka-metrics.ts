import type { Gauge } from 'prom-client';
import { countersFromZero, fromZero, type Increment, MetricSet } from './metric-set.js';

const deadLetterReasons = ['invalid', 'rejected'] as const;
/** Why a consumed event went to the dead-letter topic. */
export type DeadLetterReason = (typeof deadLetterReasons)[number];

/**
 * Events produced and consumed per topic, consumer lag per partition and dead letters, for every
 * service that uses the platform's producer, consumer and compacted views. Labelled children are
 * looked up once per topic (and partition) and kept, so counting on the hot path costs an addition.
 */
export class KafkaMetrics extends MetricSet {
  readonly produced = this.counter(
    'pushmail_kafka_events_produced_total',
    'Events the broker acknowledged, by topic.',
    { labelNames: ['topic'] },
  );
  readonly produceFailed = this.counter(
    'pushmail_kafka_events_produce_failed_total',
    'Events whose publish failed (the caller retries or reports it), by topic.',
    { labelNames: ['topic'] },
  );
  readonly consumed = this.counter(
    'pushmail_kafka_events_consumed_total',
    'Events read and finished with (handled, applied to a view or dead-lettered), by topic.',
    { labelNames: ['topic'] },
  );
  readonly consumerLag = this.gauge(
    'pushmail_kafka_consumer_lag',
    "Events on a partition this process's consumer has not finished yet: high watermark minus next offset, as of the last batch.",
    { labelNames: ['topic', 'partition'] },
  );
  readonly deadLettered = this.counter(
    'pushmail_kafka_events_dead_lettered_total',
    'Consumed events sent to the dead-letter topic, by source topic and reason (invalid: failed validation; rejected: the handler refused it).',
    { labelNames: ['topic', 'reason'] },
  );
  readonly consumersReplaced = this.counter(
    'pushmail_kafka_consumers_replaced_total',
    'Consumers replaced by a new one because they stopped fetching without restarting, by topic.',
    { labelNames: ['topic'] },
  );
  readonly consumerPaused = this.gauge(
    'pushmail_kafka_consumer_paused',
    'By topic: 1 while the process has left the consumer group of a subscription it follows only while in use (ADR 0107), else 0.',
    { labelNames: ['topic'] },
  );
  private readonly producedTopics = new Map<string, ProducedTopicMetrics>();

  producedTo(topic: string): ProducedTopicMetrics {
    let metrics = this.producedTopics.get(topic);
    if (!metrics) {
      metrics = {
        produced: fromZero(this.produced.labels({ topic })),
        failed: fromZero(this.produceFailed.labels({ topic })),
      };
      this.producedTopics.set(topic, metrics);
    }
    return metrics;
  }

  /** One consumer's view of its topic: its series start at zero, so they show before the first event. */
  consumerOf(topic: string): ConsumedTopicMetrics {
    return new ConsumedTopicMetrics(this, topic);
  }
}

export interface ProducedTopicMetrics {
  produced: Increment;
  failed: Increment;
}

export class ConsumedTopicMetrics {
  readonly consumed: Increment;
  readonly replaced: Increment;
  private readonly deadLetters: Record<DeadLetterReason, Increment>;
  private readonly lagByPartition = new Map<number, Gauge.Internal<'topic' | 'partition'>>();

  constructor(
    private readonly metrics: KafkaMetrics,
    readonly topic: string,
  ) {
    this.consumed = fromZero(metrics.consumed.labels({ topic }));
    this.replaced = fromZero(metrics.consumersReplaced.labels({ topic }));
    this.deadLetters = countersFromZero(deadLetterReasons, (reason) =>
      metrics.deadLettered.labels({ topic, reason }),
    );
  }

  /** Whether the consumer has left its group for lack of use (`EventConsumer.pause`). */
  paused(paused: boolean): void {
    this.metrics.consumerPaused.labels({ topic: this.topic }).set(paused ? 1 : 0);
  }

  deadLettered(reason: DeadLetterReason): void {
    this.deadLetters[reason].inc();
  }

  /** Where the consumer stands on a partition: `nextOffset` is the first offset it has not finished. */
  position(partition: number, highWatermark: string, nextOffset: number): void {
    let gauge = this.lagByPartition.get(partition);
    if (!gauge) {
      gauge = this.metrics.consumerLag.labels({ topic: this.topic, partition: String(partition) });
      this.lagByPartition.set(partition, gauge);
    }
    gauge.set(Math.max(0, Number(highWatermark) - nextOffset));
  }

  /** After a rebalance: a partition now read by another member is no longer this one's lag to report. */
  keepPartitions(assigned: readonly number[]): void {
    for (const partition of [...this.lagByPartition.keys()]) {
      if (!assigned.includes(partition)) this.forget(partition);
    }
  }

  forgetPartitions(): void {
    for (const partition of [...this.lagByPartition.keys()]) this.forget(partition);
  }

  private forget(partition: number): void {
    this.lagByPartition.delete(partition);
    this.metrics.consumerLag.remove({ topic: this.topic, partition: String(partition) });
  }
}

let processMetrics: KafkaMetrics | undefined;

/** The metrics of this process's producers and consumers, on prom-client's default registry. */
export function processKafkaMetrics(): KafkaMetrics {
  processMetrics ??= new KafkaMetrics();
  return processMetrics;
}
