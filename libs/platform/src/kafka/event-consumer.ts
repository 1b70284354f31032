import { decodeEvent, deadLetterTopic, type TopicDefinition } from '@pushmail/contracts';
import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  type ConsumedTopicMetrics,
  type DeadLetterReason,
  type KafkaMetrics,
  processKafkaMetrics,
} from '../metrics/kafka-metrics.js';
import type { EventProducer } from './event-producer.js';
import { commitGroupAtEnd, commitGroupStartAtEnd } from './group-start.js';
import { isRetriedBrokerError } from './kafka-client.js';

export interface ConsumedEvent<T> {
  event: T;
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

/** Thrown by a handler for an event that can never be processed: it goes to the dead-letter topic. */
export class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
}

export interface EventConsumerOptions<S extends z.ZodType> {
  topic: TopicDefinition<S>;
  groupId: string;
  fromBeginning: boolean;
  /**
   * Handles a batch of one partition; resolves only once its effects are durable. Offsets are
   * committed after. `attempt` counts the tries of this batch, from 1.
   */
  handleBatch: (events: ConsumedEvent<z.infer<S>>[], attempt: number) => Promise<void>;
  /**
   * After this many failed tries of a batch, its events are handled one at a time (each a batch of
   * one), so that one that keeps failing can be told from the others. A `PoisonEventError` does
   * that at once; without this setting, any other failure retries the whole batch.
   */
  isolateAfterAttempts?: number;
  maxBatchSize?: number;
  /**
   * Batches of this many partitions are handled at once. Events are keyed by account, so batches of
   * different partitions never share an account and each account's order holds.
   */
  partitionsConsumedConcurrently?: number;
  /** Where events consumed, lag and dead letters are counted; the process's metrics unless given. */
  metrics?: KafkaMetrics;
  /**
   * Offsets are committed at most this often (ms) rather than after every batch: for a handler that
   * takes the same events twice without harm (mailbox skips a delivery it stored; a push is a state
   * the device compares with its own). Each commit is still of batches whose handler resolved, and
   * the last ones are committed when the consumer stops; a crash or a partition moving to another
   * member redelivers at most this long of events, besides the batch in hand. An offset commit costs
   * the broker more CPU than the event it follows (bench/experiments/offset-commit-cost.mjs), and at
   * a few events per partition per batch a consumer commits once per event. 0 (the default): after
   * every batch.
   */
  commitIntervalMs?: number;
  /**
   * A consumer that has neither fetched, joined its group nor handled a batch for this long is
   * replaced by a new one (default 45 s; an idle consumer fetches every half second).
   */
  stallAfterMs?: number;
  /**
   * A batch in hand whose current step (the handler's attempt, a commit, a heartbeat between tries, a
   * dead letter) has not settled for this long is taken as hung: the consumer is replaced and the
   * partition's next owner handles the batch again (default twice `stallAfterMs`). A step waits on
   * the database or the broker, both of which bound their requests well below this; one that never
   * settles has lost its connection's answer, and nothing else would ever end the wait.
   */
  batchStepStallAfterMs?: number;
  /**
   * Starts away from the group, as after `pause`: the first `resumeAtEnd` joins it. For a group of
   * the process's own, read from the end, that the process may never need (ADR 0107).
   */
  startPaused?: boolean;
}

/** See `EventConsumerOptions.stallAfterMs`. */
export const DEFAULT_STALL_AFTER_MS = 45_000;

/** How long a replaced consumer may take to leave before it is abandoned to its session timeout. */
const REPLACED_DISCONNECT_MS = 10_000;

/**
 * A consumer-group member that validates every message against the topic's schema, hands valid
 * events to the handler in batches, sends invalid ones to the dead-letter topic with the reason and
 * the original bytes, and commits offsets only after the handler's work is durable. While the
 * handler fails for a transient reason (the database is restarting) it retries the same batch,
 * so nothing is skipped.
 */
export class EventConsumer<S extends z.ZodType> {
  private consumer: Consumer;
  private running = false;
  /** From `stop` on: no consumer of this one is restarted any more. */
  private stopping = false;
  private readonly log: Logger;
  private readonly metrics: ConsumedTopicMetrics;
  /** When the consumer last fetched, joined its group or handled a batch. */
  private lastProgressAt = Date.now();
  /** Batches being handled now, with the step each is in and since when: a long one is not a stall. */
  private readonly inHand = new Set<BatchInHand>();
  private watchdog: NodeJS.Timeout | undefined;
  private replacing: Promise<void> | undefined;
  /** Consumers replaced by a newer one: never to handle, commit or rejoin again. */
  private readonly retired = new WeakSet<Consumer>();
  /**
   * Per partition, the offset after its last handled batch, not yet committed: until the interval's
   * commit, or, at an interval of 0, while the commit right after the batch is under way or failed.
   */
  private readonly pendingCommits = new Map<number, string>();
  /**
   * When the last commit began, on the monotonic clock: a step of the wall clock (NTP, a resumed VM)
   * must neither hold a commit back by the step's length nor, at an interval of 0, defer one at all.
   */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private commitTimer: NodeJS.Timeout | undefined;
  /** The commit under way: commits go one after another, so a committed offset never moves back. */
  private committing: Promise<void> = Promise.resolve();
  /** From `pause` until `resumeAtEnd`: the group has no member here and nothing is read. */
  private paused = false;
  private pausing: Promise<void> | undefined;
  private resuming: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly deadLetters: EventProducer,
    logger: Logger,
    private readonly options: EventConsumerOptions<S>,
  ) {
    this.log = logger.child({ component: 'consumer', topic: options.topic.name, groupId: options.groupId });
    this.metrics = (options.metrics ?? processKafkaMetrics()).consumerOf(options.topic.name);
    this.consumer = this.newConsumer();
  }

  private newConsumer(): Consumer {
    const { options } = this;
    const consumer: Consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      // A fetch answers as soon as there is data; the wait only bounds how often an idle consumer asks.
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: {
        retries: Number.MAX_SAFE_INTEGER,
        initialRetryTime: 200,
        maxRetryTime: 5000,
        // kafkajs restarts a consumer after a retriable crash even when it was disconnected while
        // crashing: a replaced consumer would come back as a second member of the group, hold
        // partitions and never handle them. Every consumer but a replaced one restarts until stop,
        // including one whose first join fails while `start` is still waiting for it (a broker
        // that is still loading its group coordinator).
        restartOnFailure: async () => !this.stopping && !this.retired.has(consumer),
      },
    });
    return consumer;
  }

  /** Started and not stopped; a paused consumer still runs (it is away on purpose, see `pause`). */
  get isRunning(): boolean {
    return this.running;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async start(): Promise<void> {
    if (this.options.startPaused) {
      this.paused = true;
      this.metrics.paused(true);
    } else {
      if (!this.options.fromBeginning) await this.startGroupAtEnd();
      await this.run(this.consumer);
    }
    this.running = true;
    this.lastProgressAt = Date.now();
    const stallAfterMs = this.options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    const stepStallAfterMs = this.options.batchStepStallAfterMs ?? 2 * stallAfterMs;
    this.watchdog = setInterval(
      () => this.checkProgress(stallAfterMs, stepStallAfterMs),
      Math.min(5000, stallAfterMs / 3, stepStallAfterMs / 3),
    );
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    clearInterval(this.watchdog);
    await this.pausing;
    await this.resuming?.catch(() => undefined);
    // A replacement under way stops at its next step; its join is not waited for past the bound.
    if (this.replacing) await Promise.race([this.replacing, sleep(REPLACED_DISCONNECT_MS)]);
    clearTimeout(this.commitTimer);
    // What was handled is committed now, while the consumer still runs; a batch still in hand
    // commits as it ends (handleFetched commits at once once the consumer is stopping).
    await this.commitPending(this.consumer).catch((error: unknown) =>
      this.log.warn(
        { err: error },
        'committing the last offsets on stop failed; they will be consumed again',
      ),
    );
    await this.consumer.disconnect();
    this.metrics.forgetPartitions();
  }

  /**
   * A group that reads from the end has no committed offset on a partition until it commits one
   * there, and kafkajs seeks such a partition to its end again at every join: a rejoin before the
   * first commit (for ever on a partition with no event yet, and up to `commitIntervalMs` after the
   * first) would skip what arrived in between. So the group's start is committed at the topic's end
   * before it first joins, for every partition without a committed offset.
   */
  private async startGroupAtEnd(): Promise<void> {
    await this.withAdmin(commitGroupStartAtEnd).catch((error: unknown) =>
      // A group with members already (another replica's) cannot be set; it has its own commits.
      this.log.warn(
        { err: error },
        'could not commit the group’s start at the end of the topic; a rejoin before its first commit may skip events',
      ),
    );
  }

  private async withAdmin(
    action: (admin: ReturnType<Kafka['admin']>, groupId: string, topic: string) => Promise<void>,
  ): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await action(admin, this.options.groupId, this.options.topic.name);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Leaves the group, committing what was handled, until `resumeAtEnd`: for a group of this
   * process's own that reads from the end, while the process has no use for the topic (ADR 0107).
   * What is published meanwhile is never read. False when there was nothing to pause: not started,
   * stopping, paused already, or replacing or resuming its consumer (the next try may pause it).
   */
  async pause(): Promise<boolean> {
    if (!this.running || this.paused || this.replacing || this.resuming || this.pausing) return false;
    this.paused = true;
    const consumer = this.consumer;
    // Retired: it handles, commits and rejoins no more, and kafkajs does not restart it.
    this.retired.add(consumer);
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.pausing = (async () => {
      await this.commitPending(consumer).catch((error: unknown) =>
        this.log.warn({ err: error }, 'committing the last offsets before leaving the group failed'),
      );
      await Promise.race([consumer.disconnect().catch(() => undefined), sleep(REPLACED_DISCONNECT_MS)]);
      this.pendingCommits.clear();
      this.metrics.forgetPartitions();
      this.metrics.paused(true);
      this.log.info('left the group until the topic is needed again');
    })().finally(() => {
      this.pausing = undefined;
    });
    await this.pausing;
    return true;
  }

  /**
   * Follows the topic again after `pause`, from its end: resolves once the group's position is
   * committed at the end of every partition, before the new member has joined, so that whatever is
   * published from then on is read once it has (ADR 0107). Where that commit fails the member reads
   * on from the group's last commits instead, which skips nothing.
   */
  async resumeAtEnd(): Promise<void> {
    await this.pausing;
    if (!this.paused || this.stopping) return;
    this.resuming ??= (async () => {
      await this.withAdmin(commitGroupAtEnd).catch((error: unknown) =>
        this.log.warn(
          { err: error },
          'could not commit the group’s position at the end of the topic; it reads on from its last commits',
        ),
      );
      if (this.stopping) return;
      const next = this.newConsumer();
      this.consumer = next;
      this.paused = false;
      this.metrics.paused(false);
      this.progressed();
      this.log.info('following the topic again from its end');
      // The join is not waited for: what is published from now on is after the committed position.
      this.run(next).catch((error: unknown) => {
        if (this.stopping || this.retired.has(next)) return;
        this.log.warn({ err: error }, 'joining the group again failed');
        this.replace('its join after a pause failed');
      });
    })().finally(() => {
      this.resuming = undefined;
    });
    await this.resuming;
  }

  private progressed(): void {
    this.lastProgressAt = Date.now();
  }

  /**
   * kafkajs can be left without a working consumer and without saying so: after a connection reset
   * at the wrong moment its fetch loop may wait for good, and after an error it does not retry it
   * stops the consumer and restarts nothing. The process would then run on and store nothing. A
   * consumer that has not fetched, joined or handled anything for `stallAfterMs` is replaced. A
   * batch in hand is not idleness, but a step of it that never settles (a request whose answer was
   * lost with its connection) would hold the consumer for good: such a step has its own bound.
   */
  private checkProgress(stallAfterMs: number, stepStallAfterMs: number): void {
    if (!this.running || this.replacing || this.paused || this.resuming) return;
    const now = Date.now();
    // A replaced consumer's batch may still hang: it holds nothing the current consumer needs.
    const inHand = [...this.inHand].filter((batch) => !this.retired.has(batch.consumer));
    if (inHand.length > 0) {
      const hung = inHand.find((batch) => now - batch.stepSince >= stepStallAfterMs);
      if (hung)
        this.replace(
          `a batch of partition ${hung.partition} has been ${hung.step} for ${Math.round((now - hung.stepSince) / 1000)} s`,
        );
      return;
    }
    const idleMs = now - this.lastProgressAt;
    if (idleMs >= stallAfterMs)
      this.replace(
        `it has not fetched, joined its group or handled a batch for ${Math.round(idleMs / 1000)} s`,
      );
  }

  /** Leaves the group with the old consumer (or abandons it to its session timeout) and starts anew. */
  private replace(reason: string): void {
    if (!this.running || this.replacing || this.paused) return;
    this.log.warn({ reason }, 'replacing the consumer');
    const old = this.consumer;
    this.retired.add(old);
    this.replacing = (async () => {
      await Promise.race([old.disconnect().catch(() => undefined), sleep(REPLACED_DISCONNECT_MS)]);
      for (let attempt = 1; this.running; attempt += 1) {
        const next = this.newConsumer();
        this.consumer = next;
        try {
          await this.run(next);
          this.metrics.replaced.inc();
          this.log.info('consumer replaced');
          return;
        } catch (error) {
          this.log.warn({ err: error, attempt }, 'starting the replacement consumer failed; trying again');
          this.retired.add(next);
          await next.disconnect().catch(() => undefined);
          await sleep(Math.min(5000, 200 * 2 ** attempt));
        }
      }
    })().finally(() => {
      this.replacing = undefined;
      this.progressed();
    });
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({
      topics: [this.options.topic.name],
      fromBeginning: this.options.fromBeginning,
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      // A broker that is starting or moving a group's coordinator: kafkajs restarts the consumer.
      if (restart && isRetriedBrokerError(error))
        this.log.warn({ err: error, restart }, 'consumer restarting');
      else this.log.error({ err: error, restart }, 'consumer crashed');
      if (!restart && consumer === this.consumer)
        this.replace('kafkajs stopped the consumer after an error it does not retry');
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (this.retired.has(consumer)) {
        // Back in the group after it was replaced: it must leave, or its partitions stall.
        this.log.warn('a replaced consumer joined the group again; disconnecting it');
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.progressed();
      // After a join, each partition is read from its committed offset: what was pending is read again.
      this.pendingCommits.clear();
      this.metrics.keepPartitions(event.payload.memberAssignment[this.options.topic.name] ?? []);
    });
    consumer.on(consumer.events.FETCH_START, () => {
      if (!this.retired.has(consumer)) this.progressed();
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        const inHand = new BatchInHand(consumer, batch.partition);
        this.inHand.add(inHand);
        this.progressed();
        try {
          await this.handleFetched(
            consumer,
            batch,
            inHand,
            async () => {
              inHand.enter('waiting for a heartbeat');
              await heartbeat().catch(() => undefined);
            },
            // A consumer that was replaced no longer owns anything, whatever kafkajs still thinks.
            () => !this.retired.has(consumer) && isRunning() && !isStale(),
            resolveOffset,
          );
        } finally {
          this.inHand.delete(inHand);
          this.progressed();
        }
      },
    });
  }

  private async handleFetched(
    consumer: Consumer,
    batch: Batch,
    inHand: BatchInHand,
    heartbeat: () => Promise<void>,
    stillOwned: () => boolean,
    resolveOffset: (offset: string) => void,
  ): Promise<void> {
    const maxBatch = this.options.maxBatchSize ?? 200;
    const first = batch.messages[0];
    // Set before the work, so a batch that keeps failing shows as lag rather than as caught up.
    if (first) this.metrics.position(batch.partition, batch.highWatermark, Number(first.offset));
    for (let start = 0; start < batch.messages.length; start += maxBatch) {
      if (!stillOwned()) return;
      const chunk = batch.messages.slice(start, start + maxBatch);
      const done = await this.processChunk(
        batch.topic,
        batch.partition,
        chunk,
        inHand,
        heartbeat,
        stillOwned,
      );
      if (!done || !stillOwned()) return;
      const last = chunk[chunk.length - 1];
      if (!last) continue;
      // The next fetch starts after the resolved offset; the committed one follows, at once or
      // within `commitIntervalMs`. A commit that fails is kept for the next one.
      resolveOffset(last.offset);
      this.pendingCommits.set(batch.partition, (BigInt(last.offset) + 1n).toString());
      this.metrics.consumed.inc(chunk.length);
      this.metrics.position(batch.partition, batch.highWatermark, Number(last.offset) + 1);
      if (!this.running || performance.now() - this.lastCommitAt >= this.commitIntervalMs) {
        inHand.enter('committing its offsets');
        await commitOrRejoin(() => this.commitPending(consumer));
      } else this.scheduleCommit();
    }
  }

  private get commitIntervalMs(): number {
    return this.options.commitIntervalMs ?? 0;
  }

  /** Commits every partition's pending offset in one request, after any commit under way. */
  private commitPending(consumer: Consumer): Promise<void> {
    const commit = this.committing
      .catch(() => undefined)
      .then(async () => {
        if (this.pendingCommits.size === 0) return;
        const offsets = [...this.pendingCommits].map(([partition, offset]) => ({
          topic: this.options.topic.name,
          partition,
          offset,
        }));
        this.pendingCommits.clear();
        this.lastCommitAt = performance.now();
        try {
          await consumer.commitOffsets(offsets);
        } catch (error) {
          // Kept for the next commit unless a later batch of the partition is pending already.
          for (const { partition, offset } of offsets)
            if (!this.pendingCommits.has(partition)) this.pendingCommits.set(partition, offset);
          throw error;
        }
      });
    this.committing = commit;
    return commit;
  }

  /** The pending offsets are committed once `commitIntervalMs` has passed since the last commit. */
  private scheduleCommit(): void {
    if (this.commitTimer !== undefined || !this.running) return;
    const waitMs = Math.max(0, this.lastCommitAt + this.commitIntervalMs - performance.now());
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.commitPending(this.consumer).catch((error: unknown) => {
        this.log.warn({ err: error }, 'committing offsets failed; trying again');
        if (this.pendingCommits.size > 0) this.scheduleCommit();
      });
    }, waitMs);
    this.commitTimer.unref();
  }

  private async processChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    inHand: BatchInHand,
    heartbeat: () => Promise<void>,
    stillOwned: () => boolean,
  ): Promise<boolean> {
    const valid: ConsumedEvent<z.infer<S>>[] = [];
    for (const message of messages) {
      const decoded = decodeEvent(this.options.topic, message.value);
      if (decoded.ok) {
        valid.push({
          event: decoded.event,
          topic,
          partition,
          offset: message.offset,
          headers: headersOf(message),
        });
      } else {
        inHand.enter('sending an invalid event to the dead-letter topic');
        await this.deadLetter(topic, partition, message, decoded.reason, 'invalid');
      }
    }
    if (valid.length === 0) return true;

    for (let attempt = 1; ; attempt += 1) {
      try {
        inHand.enter(`in its handler (attempt ${attempt})`);
        await this.options.handleBatch(valid, attempt);
        return true;
      } catch (error) {
        const isolateAfter = this.options.isolateAfterAttempts;
        if (error instanceof PoisonEventError || (isolateAfter !== undefined && attempt >= isolateAfter)) {
          return this.processOneByOne(topic, partition, messages, valid, inHand, heartbeat, stillOwned);
        }
        this.log.warn({ err: error, attempt, partition }, 'handling a batch failed; retrying the same batch');
        if (!stillOwned()) return false;
        await heartbeat();
        inHand.enter('waiting to retry');
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  private async processOneByOne(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    valid: ConsumedEvent<z.infer<S>>[],
    inHand: BatchInHand,
    heartbeat: () => Promise<void>,
    stillOwned: () => boolean,
  ): Promise<boolean> {
    for (const item of valid) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          inHand.enter(`in its handler, one event at a time (offset ${item.offset}, attempt ${attempt})`);
          await this.options.handleBatch([item], attempt);
          break;
        } catch (error) {
          if (error instanceof PoisonEventError) {
            const original = messages.find((message) => message.offset === item.offset);
            inHand.enter('sending a rejected event to the dead-letter topic');
            if (original) await this.deadLetter(topic, partition, original, error.message, 'rejected');
            break;
          }
          this.log.warn(
            { err: error, attempt, offset: item.offset },
            'handling an event failed; retrying it',
          );
          if (!stillOwned()) return false;
          await heartbeat();
          inHand.enter('waiting to retry');
          await sleep(Math.min(5000, 100 * 2 ** attempt));
        }
      }
    }
    return true;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    kind: DeadLetterReason,
  ): Promise<void> {
    this.log.warn({ partition, offset: message.offset, reason }, 'sending an event to the dead-letter topic');
    await this.deadLetters.publish(deadLetterTopic, [
      {
        sourceTopic: topic,
        partition,
        offset: message.offset,
        key: message.key ? message.key.toString('utf8') : null,
        consumerGroup: this.options.groupId,
        reason: reason.slice(0, 4000),
        valueBase64: (message.value ?? Buffer.alloc(0)).toString('base64'),
        headers: headersOf(message),
        failedAt: new Date().toISOString(),
      },
    ]);
    this.metrics.deadLettered(kind);
  }
}

/** A batch being handled: the step it is in and since when, for the stall check. */
class BatchInHand {
  step = 'starting';
  stepSince = Date.now();

  constructor(
    readonly consumer: Consumer,
    readonly partition: number,
  ) {}

  enter(step: string): void {
    this.step = step;
    this.stepSince = Date.now();
  }
}

export function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return headers;
}

/** Commit errors that mean this member must join the group again (the commit itself is then moot). */
const REJOIN_ERRORS: ReadonlySet<string> = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/**
 * The group-membership error inside a failed commit, if that is what it is. kafkajs's retry hands such
 * a (non-retriable) error back wrapped in a `KafkaJSNonRetriableError`; thrown from the batch handler
 * like that, the consumer crashes for good, as kafkajs restarts only after retriable errors. The error
 * itself (its `type` read by kafkajs's runner) makes the runner join the group again instead.
 */
export function rejoinCause(error: unknown): (Error & { type: string }) | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && REJOIN_ERRORS.has(type)) return current as Error & { type: string };
    current = current.cause;
  }
  return undefined;
}

/**
 * Commits, or, when the member has lost its place in the group, throws the membership error so that
 * kafkajs joins again. The batch's effects are durable; its offsets stay uncommitted and the
 * partition's next owner handles it again, which every handler tolerates (at-least-once).
 */
export async function commitOrRejoin(commit: () => Promise<void>): Promise<void> {
  try {
    await commit();
  } catch (error) {
    throw rejoinCause(error) ?? error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
