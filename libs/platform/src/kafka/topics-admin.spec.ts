import { deadLetterTopic, mailArrivedTopic } from '@pushmail/contracts';
import { describe, expect, it } from 'vitest';
import { topicProblems } from './topics-admin.js';

const declared = [mailArrivedTopic, deadLetterTopic];
const replicas = (partitions: number, count: number) => Array.from({ length: partitions }, () => count);

describe(topicProblems.name, () => {
  it('accepts topics with their declared partitions and at least the expected replicas', () => {
    const existing = new Map([
      [mailArrivedTopic.name, replicas(mailArrivedTopic.partitions, 3)],
      [deadLetterTopic.name, replicas(deadLetterTopic.partitions, 4)],
      ['someone.elses.topic', [1]],
    ]);

    expect(topicProblems(declared, existing, 3)).toEqual([]);
  });

  it('names a missing topic, other partitions and a partition with too few replicas', () => {
    const existing = new Map([[mailArrivedTopic.name, [3, 3, 1]]]);

    expect(topicProblems(declared, existing, 3)).toEqual([
      `${mailArrivedTopic.name}: 3 partitions, declared ${mailArrivedTopic.partitions}`,
      `${mailArrivedTopic.name}: 1 replicas, at least 3 expected`,
      `${deadLetterTopic.name}: missing`,
    ]);
  });
});
