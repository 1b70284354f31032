import type { Admin } from 'kafkajs';

/**
 * Commits a consumer group's start at the current end of `topic`, on every partition where the
 * group has no committed offset yet, so that it reads only what is produced from now on. The
 * offsets are explicit: resetOffsets commits -1 ("latest"), which the consumer takes for no offset
 * at all and then reads from the beginning. Throws what the admin throws (a group with members
 * already cannot be set).
 */
export async function commitGroupStartAtEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const unset = new Set(
    (committed?.partitions ?? [])
      .filter((partition) => Number(partition.offset) < 0)
      .map((partition) => partition.partition),
  );
  if (unset.size === 0) return;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({
    groupId,
    topic,
    partitions: ends
      .filter((end) => unset.has(end.partition))
      .map((end) => ({ partition: end.partition, offset: end.high })),
  });
}

/**
 * Commits a consumer group's position at the current end of `topic` on every partition: for a
 * group with no member (one that left while it had no use for the topic) that must read only what
 * is produced from now on, not what was produced while it was away. Throws what the admin throws.
 */
export async function commitGroupAtEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({
    groupId,
    topic,
    partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
  });
}
