import { allTopics, type TopicDefinition } from '@pushmail/contracts';
import { stringify } from 'yaml';

/**
 * The Kafka topics of the contracts, in the two forms the deployments create them: a shell script
 * for docker compose's one-shot `topics` job (the Kafka image's own tools) and Strimzi `KafkaTopic`
 * resources for Kubernetes. Both are generated and committed; the tests fail when they drift from
 * `libs/contracts`.
 */

export const COMPOSE_BOOTSTRAP = 'kafka:9092';

/** Settings that belong to a cluster rather than to the contract: replicas, and the acks they allow. */
export interface ClusterTopicSettings {
  replicas: number;
  /** With more than one replica, writes wait for this many in-sync copies (producers use acks=all). */
  minInsyncReplicas: number;
}

export const productionTopicSettings: ClusterTopicSettings = { replicas: 3, minInsyncReplicas: 2 };

/**
 * Creates every topic that does not exist with its partitions and configuration, then sets the
 * configuration of every topic again, so a topic that a service created first (or an older
 * release configured differently) converges to the contract. Idempotent.
 */
export function createTopicsScript(
  topics: readonly TopicDefinition[] = allTopics,
  bootstrap = COMPOSE_BOOTSTRAP,
): string {
  const lines = [
    '#!/bin/sh',
    '# Generated from libs/contracts by tools/deploy/topics.ts: do not edit by hand.',
    "# Creates pushmail's topics with their partitions and configuration (single broker: one replica).",
    'set -eu',
    `bootstrap="\${KAFKA_BOOTSTRAP:-${bootstrap}}"`,
    'bin="${KAFKA_BIN:-/opt/kafka/bin}"',
    '',
    '# create_topic NAME PARTITIONS CONFIG: created when missing, with CONFIG (name=value,...) set either way.',
    'create_topic() {',
    '  echo "topic $1"',
    '  topic=$1 partitions=$2 configs=$3',
    '  set --',
    '  saved_ifs=$IFS',
    '  IFS=,',
    '  for entry in $configs; do set -- "$@" --config "$entry"; done',
    '  IFS=$saved_ifs',
    '  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \\',
    '    --topic "$topic" --partitions "$partitions" --replication-factor 1 "$@"',
    '  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics \\',
    '    --entity-name "$topic" --add-config "$configs"',
    '}',
    '',
  ];
  for (const topic of topics) {
    const configs = Object.entries(topic.config).map(([name, value]) => `${name}=${value}`);
    lines.push(`create_topic ${topic.name} ${topic.partitions} ${configs.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface KafkaTopicResource {
  apiVersion: 'kafka.strimzi.io/v1';
  kind: 'KafkaTopic';
  metadata: { name: string; labels: Record<string, string> };
  spec: { partitions: number; replicas: number; config: Record<string, string> };
}

/** Strimzi `KafkaTopic`s for the topic operator of the Kafka cluster named `cluster`. */
export function kafkaTopicResources(
  topics: readonly TopicDefinition[] = allTopics,
  cluster = 'pushmail',
  settings: ClusterTopicSettings = productionTopicSettings,
): KafkaTopicResource[] {
  return topics.map((topic) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    // Topic names are valid resource names (lowercase, dots, dashes), so no separate topicName.
    metadata: { name: topic.name, labels: { 'strimzi.io/cluster': cluster } },
    spec: {
      partitions: topic.partitions,
      replicas: settings.replicas,
      config: { ...topic.config, 'min.insync.replicas': String(settings.minInsyncReplicas) },
    },
  }));
}

export function renderKafkaTopicsYaml(
  resources: readonly KafkaTopicResource[] = kafkaTopicResources(),
): string {
  const header = [
    '# Generated from libs/contracts by tools/deploy/topics.ts: do not edit by hand.',
    `# ${productionTopicSettings.replicas} replicas each, writes acknowledged by ${productionTopicSettings.minInsyncReplicas} of them (producers use acks=all).`,
  ].join('\n');
  return `${header}\n${resources.map((resource) => stringify(resource, { lineWidth: 0, singleQuote: true })).join('---\n')}`;
}
