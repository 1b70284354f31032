/** The variables a service with a database, Kafka and the admin API cannot start without, for config specs. */
export const requiredServiceEnv = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19094',
  ADMIN_TOKEN: 'a-secret-admin-token-0123456789',
};

/** What the platform's base config makes of `requiredServiceEnv` when nothing else is set. */
export const baseConfigDefaults = {
  HTTP_HOST: '0.0.0.0',
  DATABASE_URL: requiredServiceEnv.DATABASE_URL,
  KAFKA_BROKERS: ['127.0.0.1:19092', '127.0.0.1:19094'],
  KAFKA_TOPICS: 'create',
  KAFKA_REPLICATION_FACTOR: 1,
  KAFKA_TOPIC_PREFIX: '',
  ADMIN_TOKEN: requiredServiceEnv.ADMIN_TOKEN,
  LOG_LEVEL: 'info',
};
