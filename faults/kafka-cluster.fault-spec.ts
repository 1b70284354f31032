import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerPorts, startLocalKafkaCluster, type LocalKafkaCluster } from '@pushmail/infra';
import type { Admin } from 'kafkajs';
import { testKafka } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAIL_ARRIVED,
  requiredEnv,
  runUnderLoad,
  startFaultPlatform,
  type FaultPlatform,
} from './support/fault-harness.js';

const databaseUrl = requiredEnv('DATABASE_URL');
const NODES = 3;

/**
 * Run: build, then `npx vitest run --project faults faults/kafka-cluster.fault-spec.ts`
 * (PUSHMAIL_LISTEN_PORTS=25000-25999 keeps the brokers' ports in a range: the one setting
 * for every port the fault suite picks, brokers and proxies alike).
 * What it found: after a restart moved a group's coordinator, kafkajs kept committing to the old one
 * (NOT_COORDINATOR) until the member's session expired (`kafkajs-offset-commit.ts`), and a commit
 * then refused with UNKNOWN_MEMBER_ID crashed the consumer for good (`commitOrRejoin` in
 * `event-consumer.ts`).
 * It also found mail answered 250 and never stored, in some runs only: kafkajs retries a
 * produce per broker, so when a partition's leadership moved to a broker that had already answered
 * its own part of the batch, the partition's messages were never sent and the batch still resolved
 * (`sendEvery` in `event-producer.ts`).
 *
 * What production runs: three brokers, every topic replicated three times, acks from all in-sync
 * replicas with min.insync.replicas=2. The cluster is this file's own, as its brokers are killed.
 */
describe('a three-broker Kafka cluster losing brokers while mail flows', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pushmail-fault-cluster-'));
  let cluster: LocalKafkaCluster;
  let fault: FaultPlatform;
  let admin: Admin;

  beforeAll(async () => {
    const nodes = [];
    for (let node = 0; node < NODES; node += 1) nodes.push(await brokerPorts());
    cluster = await startLocalKafkaCluster({ nodes, dataDir, minInsync: 2, log: () => undefined });
    fault = await startFaultPlatform('kafka-cluster', {
      kafkaBrokers: cluster.brokers,
      databaseUrl,
      env: { KAFKA_REPLICATION_FACTOR: String(NODES) },
      // A cluster of its own: the topics keep their names, and every one of them is the platform's.
      topicPrefix: '',
    });
    admin = testKafka('fault-cluster', cluster.brokers).admin();
    await admin.connect();
  }, 600_000);

  afterAll(async () => {
    await admin?.disconnect();
    await fault?.platform.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The leader of the mail topic's partition holding the most events. */
  async function leaderOfBusiestPartition(): Promise<{ partition: number; leader: number; high: number }> {
    const offsets = await admin.fetchTopicOffsets(MAIL_ARRIVED);
    const busiest = [...offsets].sort((a, b) => Number(b.high) - Number(a.high))[0]!;
    const metadata = await admin.fetchTopicMetadata({ topics: [MAIL_ARRIVED] });
    const partition = metadata.topics[0]!.partitions.find(
      (entry) => entry.partitionId === busiest.partition,
    )!;
    return { partition: busiest.partition, leader: partition.leader, high: Number(busiest.high) };
  }

  /** Every partition of every topic back to all replicas in sync, as a rolling restart waits for. */
  async function fullyReplicated(): Promise<void> {
    await expect
      .poll(
        async () => {
          const metadata = await admin.fetchTopicMetadata({ topics: [] });
          return metadata.topics
            .flatMap((topic) => topic.partitions.map((entry) => ({ topic: topic.name, ...entry })))
            .filter((entry) => entry.isr.length < NODES)
            .map((entry) => `${entry.topic}/${entry.partitionId}`);
        },
        { timeout: 180_000, interval: 500 },
      )
      .toEqual([]);
  }

  it('loses and doubles nothing when the busiest partition loses its leader to SIGKILL, and through a rolling restart of every broker', async () => {
    const topics = await admin.fetchTopicMetadata({ topics: [MAIL_ARRIVED] });
    expect(topics.topics[0]!.partitions.every((entry) => entry.replicas.length === NODES)).toBe(true);

    const ledger = await runUnderLoad('kafka-cluster', fault, async (load) => {
      const busiest = await leaderOfBusiestPartition();
      expect(busiest.high).toBeGreaterThan(0);
      const victim = cluster.nodes.find((node) => node.nodeId === busiest.leader)!;
      console.log(`[fault] kill -9 broker ${victim.nodeId}, leader of ${MAIL_ARRIVED}/${busiest.partition}`);
      await victim.kill();
      // Two brokers are still min.insync.replicas: mail keeps being answered 250.
      await load.flowing(20, 180_000);
      await victim.start();
      await fullyReplicated();
      await load.flowing(10, 180_000);

      for (const node of cluster.nodes) {
        console.log(`[fault] rolling restart: broker ${node.nodeId}`);
        await node.stop();
        await load.flowing(5, 180_000);
        await node.start();
        await fullyReplicated();
      }
    });

    // Every attempt was answered 250 or 451 (a temporary failure the sender retries), never a 5xx.
    expect(Object.keys(ledger.replies).filter((code) => code !== '250' && code !== '451')).toEqual([]);
    expect(ledger.duplicates).toBe(0);
  }, 900_000);
});
