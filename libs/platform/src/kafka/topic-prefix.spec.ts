import type { Kafka, RecordMetadata, TopicMessages } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, loadConfig } from '../config/load-config.js';
import { topicNaming, withTopicPrefix } from './topic-prefix.js';

/** A client that records what reaches the wire and answers as a broker holding `topics` would. */
function recordingKafka(topics: string[]) {
  const sent: TopicMessages[] = [];
  const groups: string[] = [];
  const kafka = {
    producer: () => ({
      sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }): Promise<RecordMetadata[]> => {
        sent.push(...topicMessages);
        return topicMessages.map(({ topic }) => ({ topicName: topic, partition: 0, errorCode: 0 }));
      },
    }),
    consumer: ({ groupId }: { groupId: string }) => {
      groups.push(groupId);
      return {};
    },
    admin: () => ({ listTopics: async () => topics }),
  } as unknown as Kafka;
  return { kafka, sent, groups };
}

describe(withTopicPrefix.name, () => {
  it('leaves the client as it is without a prefix, so production names stay as declared', () => {
    const { kafka } = recordingKafka([]);
    expect(withTopicPrefix(kafka, '')).toBe(kafka);
  });

  it('produces to the prefixed topic and answers with the logical name', async () => {
    const { kafka, sent } = recordingKafka([]);
    const producer = withTopicPrefix(kafka, 'staging.').producer();
    const metadata = await producer.sendBatch({
      topicMessages: [{ topic: 'pushmail.mail.arrived.v1', messages: [{ value: 'x' }] }],
    });
    expect(sent.map(({ topic }) => topic)).toEqual(['staging.pushmail.mail.arrived.v1']);
    expect(metadata.map(({ topicName }) => topicName)).toEqual(['pushmail.mail.arrived.v1']);
  });

  it('prefixes consumer group ids', () => {
    const { kafka, groups } = recordingKafka([]);
    withTopicPrefix(kafka, 'staging.').consumer({ groupId: 'mailbox-delivery' });
    expect(groups).toEqual(['staging.mailbox-delivery']);
  });

  it("lists only the installation's own topics, by their logical names", async () => {
    const { kafka } = recordingKafka([
      'pushmail.mail.arrived.v1',
      'staging.pushmail.mail.arrived.v1',
      'tenant.pushmail.mail.arrived.v1',
    ]);
    expect(await withTopicPrefix(kafka, 'staging.').admin().listTopics()).toEqual([
      'pushmail.mail.arrived.v1',
    ]);
  });
});

describe(topicNaming.name, () => {
  it('refuses a prefix Kafka would not take in a topic name', () => {
    expect(() => topicNaming('a/b')).toThrow(/topic prefix/);
  });
});

describe('KAFKA_TOPIC_PREFIX', () => {
  const env = { KAFKA_BROKERS: 'localhost:9092' };

  it('is read as given', () => {
    expect(loadConfig(baseConfigSchema, { ...env, KAFKA_TOPIC_PREFIX: 'staging.' }).KAFKA_TOPIC_PREFIX).toBe(
      'staging.',
    );
  });

  it('stops the service when the prefix could not be part of a topic name', () => {
    expect(() => loadConfig(baseConfigSchema, { ...env, KAFKA_TOPIC_PREFIX: 'tenant a' })).toThrow(
      ConfigError,
    );
  });
});
