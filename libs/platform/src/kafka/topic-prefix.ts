import type { Admin, Consumer, Kafka, Producer, RecordMetadata } from 'kafkajs';

/**
 * `KAFKA_TOPIC_PREFIX`: several pushmail installations (staging and production, tenants, test runs)
 * share one Kafka cluster, each with topics and consumer groups of its own. The code and the
 * contracts name topics logically (`pushmail.mail.arrived.v1`, what `@EventPattern` matches); on the
 * wire each topic and group id is the installation's prefix followed by that name. The client below
 * does the mapping both ways, so nothing above it ever sees a physical name, and no prefix (the
 * default) leaves every name exactly as declared.
 *
 * Node loads this file as it is into the operator tools (`tools/dead-letters`): it imports types only.
 */
export const TOPIC_PREFIX_PATTERN = /^[A-Za-z0-9._-]{0,100}$/;

export interface TopicNaming {
  readonly prefix: string;
  /** The name on the wire of a topic or consumer group. */
  physical(name: string): string;
  /** The logical name of a topic or group on the wire; undefined when it is not this installation's. */
  logical(name: string): string | undefined;
}

export function topicNaming(prefix = ''): TopicNaming {
  if (!TOPIC_PREFIX_PATTERN.test(prefix))
    throw new Error(`a topic prefix is up to 100 of A-Z a-z 0-9 . _ - (got ${JSON.stringify(prefix)})`);
  return {
    prefix,
    physical: (name) => prefix + name,
    logical: (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : undefined),
  };
}

/**
 * The client itself when there is no prefix; otherwise one whose producers, consumers and admins take
 * and give logical topic names and group ids and use the prefixed ones on the wire. What the platform,
 * its tests and its tools call is mapped; a call naming a topic that is not mapped here
 * (transactions, config and partition changes, regular-expression subscriptions) is refused rather
 * than sent to another installation's topic.
 */
export function withTopicPrefix(kafka: Kafka, prefix: string): Kafka {
  const naming = topicNaming(prefix);
  if (naming.prefix === '') return kafka;
  return override(kafka, {
    producer: (config?: Parameters<Kafka['producer']>[0]) => prefixedProducer(kafka.producer(config), naming),
    consumer: (config: Parameters<Kafka['consumer']>[0]) =>
      prefixedConsumer(kafka.consumer({ ...config, groupId: naming.physical(config.groupId) }), naming),
    admin: (config?: Parameters<Kafka['admin']>[0]) => prefixedAdmin(kafka.admin(config), naming),
  });
}

function prefixedProducer(producer: Producer, naming: TopicNaming): Producer {
  const logicalMetadata = (metadata: RecordMetadata[]): RecordMetadata[] =>
    metadata.map((entry) => ({ ...entry, topicName: logicalOf(naming, entry.topicName) }));
  return override(producer, {
    send: async (record: Parameters<Producer['send']>[0]) =>
      logicalMetadata(await producer.send({ ...record, topic: naming.physical(record.topic) })),
    sendBatch: async (batch: Parameters<Producer['sendBatch']>[0]) =>
      logicalMetadata(
        await producer.sendBatch({
          ...batch,
          topicMessages: batch.topicMessages?.map((entry) => ({
            ...entry,
            topic: naming.physical(entry.topic),
          })),
        }),
      ),
    transaction: unmapped('producer.transaction'),
  });
}

type Subscription = Parameters<Consumer['subscribe']>[0];
type RunConfig = NonNullable<Parameters<Consumer['run']>[0]>;
type TopicPartitions = Parameters<Consumer['pause']>[0];

function prefixedConsumer(consumer: Consumer, naming: TopicNaming): Consumer {
  const physicalTopic = (topic: string | RegExp): string => {
    if (typeof topic !== 'string') throw new Error('a consumer with a topic prefix subscribes to names only');
    return naming.physical(topic);
  };
  const physicalPartitions = (entries: TopicPartitions): TopicPartitions =>
    entries.map((entry) => ({ ...entry, topic: naming.physical(entry.topic) }));
  return override(consumer, {
    subscribe: (subscription: Subscription) =>
      consumer.subscribe(
        'topics' in subscription
          ? { ...subscription, topics: subscription.topics.map(physicalTopic) }
          : { ...subscription, topic: physicalTopic(subscription.topic) },
      ),
    run: (config?: RunConfig) => {
      const { eachMessage, eachBatch } = config ?? {};
      return consumer.run({
        ...config,
        ...(eachMessage && {
          eachMessage: (payload) => eachMessage({ ...payload, topic: logicalOf(naming, payload.topic) }),
        }),
        ...(eachBatch && {
          // The batch keeps its methods: only the topic it names is read differently.
          eachBatch: (payload) =>
            eachBatch({
              ...payload,
              batch: withProperty(payload.batch, 'topic', logicalOf(naming, payload.batch.topic)),
            }),
        }),
      });
    },
    commitOffsets: (offsets: Parameters<Consumer['commitOffsets']>[0]) =>
      consumer.commitOffsets(offsets.map((offset) => ({ ...offset, topic: naming.physical(offset.topic) }))),
    seek: (position: Parameters<Consumer['seek']>[0]) =>
      consumer.seek({ ...position, topic: naming.physical(position.topic) }),
    pause: (entries: TopicPartitions) => consumer.pause(physicalPartitions(entries)),
    resume: (entries: TopicPartitions) => consumer.resume(physicalPartitions(entries)),
    paused: () => consumer.paused().map((entry) => ({ ...entry, topic: logicalOf(naming, entry.topic) })),
    on: ((event: string, listener: (event: { payload?: unknown }) => void) =>
      consumer.on(event as never, (instrumented: { payload?: unknown }) =>
        listener({ ...instrumented, payload: logicalPayload(naming, instrumented.payload) }),
      )) as Consumer['on'],
  });
}

/** The topic and assignment that consumer events (group join, batch start and end) carry. */
function logicalPayload(naming: TopicNaming, payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const mapped: Record<string, unknown> = { ...payload };
  if (typeof mapped['topic'] === 'string') mapped['topic'] = logicalOf(naming, mapped['topic']);
  const assignment = mapped['memberAssignment'];
  if (typeof assignment === 'object' && assignment !== null)
    mapped['memberAssignment'] = Object.fromEntries(
      Object.entries(assignment).map(([topic, partitions]) => [logicalOf(naming, topic), partitions]),
    );
  return mapped;
}

function prefixedAdmin(admin: Admin, naming: TopicNaming): Admin {
  const physical = (names: string[]): string[] => names.map((name) => naming.physical(name));
  const own = (names: string[]): string[] =>
    names.map((name) => naming.logical(name)).filter((name): name is string => name !== undefined);
  return override(admin, {
    /** Only this installation's topics, by their logical names. */
    listTopics: async () => own(await admin.listTopics()),
    createTopics: (options: Parameters<Admin['createTopics']>[0]) =>
      admin.createTopics({
        ...options,
        topics: options.topics.map((topic) => ({ ...topic, topic: naming.physical(topic.topic) })),
      }),
    deleteTopics: (options: Parameters<Admin['deleteTopics']>[0]) =>
      admin.deleteTopics({ ...options, topics: physical(options.topics) }),
    fetchTopicMetadata: async (options?: Parameters<Admin['fetchTopicMetadata']>[0]) => {
      const { topics } = await admin.fetchTopicMetadata(
        options?.topics === undefined ? undefined : { topics: physical(options.topics) },
      );
      return {
        topics: topics
          .filter((topic) => naming.logical(topic.name) !== undefined)
          .map((topic) => ({ ...topic, name: logicalOf(naming, topic.name) })),
      };
    },
    fetchTopicOffsets: (topic: string) => admin.fetchTopicOffsets(naming.physical(topic)),
    fetchTopicOffsetsByTimestamp: (topic: string, timestamp?: number) =>
      admin.fetchTopicOffsetsByTimestamp(naming.physical(topic), timestamp),
    fetchOffsets: async (options: Parameters<Admin['fetchOffsets']>[0]) => {
      const offsets = await admin.fetchOffsets({
        ...options,
        groupId: naming.physical(options.groupId),
        ...(options.topics && { topics: physical(options.topics) }),
      });
      return offsets
        .filter((entry) => naming.logical(entry.topic) !== undefined)
        .map((entry) => ({ ...entry, topic: logicalOf(naming, entry.topic) }));
    },
    setOffsets: (options: Parameters<Admin['setOffsets']>[0]) =>
      admin.setOffsets({
        ...options,
        groupId: naming.physical(options.groupId),
        topic: naming.physical(options.topic),
      }),
    resetOffsets: (options: Parameters<Admin['resetOffsets']>[0]) =>
      admin.resetOffsets({
        ...options,
        groupId: naming.physical(options.groupId),
        topic: naming.physical(options.topic),
      }),
    deleteTopicRecords: (options: Parameters<Admin['deleteTopicRecords']>[0]) =>
      admin.deleteTopicRecords({ ...options, topic: naming.physical(options.topic) }),
    /** Only this installation's groups, by their logical ids. */
    listGroups: async () => {
      const { groups } = await admin.listGroups();
      return {
        groups: groups
          .filter((group) => naming.logical(group.groupId) !== undefined)
          .map((group) => ({ ...group, groupId: logicalOf(naming, group.groupId) })),
      };
    },
    deleteGroups: (groupIds: string[]) => admin.deleteGroups(physical(groupIds)),
    describeGroups: unmapped('admin.describeGroups'),
    createPartitions: unmapped('admin.createPartitions'),
    describeConfigs: unmapped('admin.describeConfigs'),
    alterConfigs: unmapped('admin.alterConfigs'),
  });
}

function logicalOf(naming: TopicNaming, name: string): string {
  const logical = naming.logical(name);
  if (logical === undefined)
    throw new Error(`topic ${name} is not one of this installation's (prefix ${naming.prefix})`);
  return logical;
}

function unmapped(call: string): () => never {
  return () => {
    throw new Error(`${call} names topics or groups the topic prefix does not map`);
  };
}

/** The object with some of its members replaced; the rest are its own, called on it. */
function override<T extends object>(target: T, members: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(members, property)) return members[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** The object as it is, but for one property read as `value`. */
function withProperty<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): T {
  return new Proxy(target, {
    get: (object, property) => (property === key ? value : Reflect.get(object, property, object)),
  });
}
