import {
  deviceEventTopic,
  deviceTrailTopic,
  mailArrivedTopic,
  mailDeliveryStatusTopic,
  mailSubmittedV2Topic,
} from '@pushmail/contracts';
import { commitGroupStartAtEnd } from '@pushmail/platform';
import type { Kafka as KafkaClient } from 'kafkajs';
import { testKafka } from './kafka-client.js';

/**
 * A mailbox delivery group of this run's own, committed at the current end of the mail topic. On a
 * broker shared with other runs the default group would split the partitions with their mailboxes
 * (and their databases); pass it to mailbox as MAILBOX_DELIVERY_GROUP.
 */
export async function isolatedDeliveryGroup(brokers: string, prefix = 'mailbox-e2e'): Promise<string> {
  return (await isolatedGroups(brokers, { delivery: prefix })).delivery!;
}

/**
 * operations' trail consumer groups of this run's own (the group and `<group>-decisions`),
 * committed at the current end of their topics; pass it as TRAIL_CONSUMER_GROUP.
 */
export async function isolatedTrailGroup(brokers: string, prefix = 'operations-trail-e2e'): Promise<string> {
  return (await isolatedGroups(brokers, { trail: prefix })).trail!;
}

/** Both kinds at once, on one admin connection: the ids of those asked for (by their prefixes). */
export async function isolatedGroups(
  brokers: string | KafkaClient,
  prefixes: { delivery?: string; trail?: string; outbound?: string },
): Promise<{ delivery?: string; trail?: string; outbound?: string }> {
  const id = (prefix: string) => `${prefix}-${Math.random().toString(16).slice(2, 12)}`;
  const delivery = prefixes.delivery === undefined ? undefined : id(prefixes.delivery);
  const trail = prefixes.trail === undefined ? undefined : id(prefixes.trail);
  const outbound = prefixes.outbound === undefined ? undefined : id(prefixes.outbound);
  const groups: Array<{ groupId: string; topic: string }> = [];
  if (delivery) {
    groups.push({ groupId: delivery, topic: mailArrivedTopic.name });
    // mailbox's delivery-status group is named after its delivery group.
    groups.push({ groupId: `${delivery}-status`, topic: mailDeliveryStatusTopic.name });
  }
  if (outbound) {
    // outbound's submissions group is named after its group.
    groups.push({ groupId: `${outbound}-submitted-v2`, topic: mailSubmittedV2Topic.name });
  }
  if (trail) {
    groups.push({ groupId: trail, topic: deviceTrailTopic.name });
    groups.push({ groupId: `${trail}-decisions`, topic: deviceEventTopic.name });
  }
  if (groups.length > 0) await startGroupsAtEnd(brokers, groups);
  return { delivery, trail, outbound };
}

/**
 * Commits each fresh group's offsets at the current end of its topic (one not created yet is left
 * alone), so it reads only what is produced from now on and not what other runs left on the broker.
 */
export async function startGroupsAtEnd(
  broker: string | KafkaClient,
  groups: ReadonlyArray<{ groupId: string; topic: string }>,
): Promise<void> {
  const kafka = typeof broker === 'string' ? testKafka('test-setup', broker) : broker;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    for (const { groupId, topic } of groups) {
      if (!topics.includes(topic)) continue;
      await commitGroupStartAtEnd(admin, groupId, topic);
    }
  } finally {
    await admin.disconnect();
  }
}
