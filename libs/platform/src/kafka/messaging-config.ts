import type { BaseConfig } from '../config/load-config.js';

/**
 * The Kafka settings every service reads, part of `baseConfigSchema`. `KAFKA_TOPICS=create`
 * (development, tests) creates missing topics; `verify` (production, where the operator or Strimzi
 * owns the topics) only checks them and refuses to start when one is missing or has other
 * partitions or fewer replicas than declared. `KAFKA_TOPIC_PREFIX` names the installation's topics
 * and groups on a shared cluster (`withTopicPrefix`).
 */
export type MessagingConfig = Pick<
  BaseConfig,
  'KAFKA_BROKERS' | 'KAFKA_TOPICS' | 'KAFKA_REPLICATION_FACTOR' | 'KAFKA_TOPIC_PREFIX'
>;
