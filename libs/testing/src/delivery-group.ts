import { mailArrivedTopic } from '@pushmail/contracts';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/**
 * A mailbox delivery group of this run's own, committed at the current end of the mail topic. On a
 * broker shared with other runs the default group would split the partitions with their mailboxes
 * (and their databases); pass it to mailbox as MAILBOX_DELIVERY_GROUP.
 */
export async function isolatedDeliveryGroup(brokers: string, prefix = 'mailbox-e2e'): Promise<string> {
  const groupId = `${prefix}-${Math.random().toString(16).slice(2, 12)}`;
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'test-setup',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topic = mailArrivedTopic.name;
    if ((await admin.listTopics()).includes(topic)) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
  return groupId;
}
