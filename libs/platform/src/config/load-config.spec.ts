import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseConfigSchema,
  bearerToken,
  ConfigError,
  csv,
  loadConfig,
  port,
  postgresUrl,
  secret,
  secretKeysOf,
} from './load-config.js';

const schema = z.object({
  HTTP_PORT: port.default(8080),
  KAFKA_BROKERS: csv,
  ADMIN_TOKEN: z.string().min(16),
});

describe(loadConfig.name, () => {
  it('parses, coerces and defaults values', () => {
    const config = loadConfig(schema, { KAFKA_BROKERS: 'a:1, b:2,', ADMIN_TOKEN: 'x'.repeat(16) });
    expect(config).toEqual({ HTTP_PORT: 8080, KAFKA_BROKERS: ['a:1', 'b:2'], ADMIN_TOKEN: 'x'.repeat(16) });
  });

  it('names every bad variable and never echoes a secret value', () => {
    let error: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: '99999', ADMIN_TOKEN: 'short-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/HTTP_PORT/);
    expect(message).toMatch(/KAFKA_BROKERS/);
    expect(message).toMatch(/ADMIN_TOKEN/);
    expect(message).not.toContain('short-secret');
  });

  it('treats an empty variable as unset', () => {
    expect(
      loadConfig(schema, { HTTP_PORT: '', KAFKA_BROKERS: 'k:9', ADMIN_TOKEN: 'y'.repeat(20) }).HTTP_PORT,
    ).toBe(8080);
  });
});

describe(secretKeysOf.name, () => {
  it('finds the variables marked secret, whatever wraps them afterwards', () => {
    const marked = z.object({
      HTTP_PORT: port.default(8080),
      ADMIN_TOKEN: bearerToken(),
      INTERNAL_TOKEN: bearerToken().optional(),
      DATABASE_URL: postgresUrl,
      PASSWORD_FILE: secret(z.string()).default('/run/secrets/password'),
    });
    expect(secretKeysOf(marked)).toEqual(['ADMIN_TOKEN', 'INTERNAL_TOKEN', 'DATABASE_URL', 'PASSWORD_FILE']);
  });

  it('finds the marks of a schema extending the base one, and none in the base itself', () => {
    expect(secretKeysOf(baseConfigSchema)).toEqual([]);
    expect(secretKeysOf(baseConfigSchema.extend({ TOKEN: bearerToken() }))).toEqual(['TOKEN']);
  });
});

describe('baseConfigSchema', () => {
  it('defaults the host, the topics settings and the log level and requires at least one broker', () => {
    expect(loadConfig(baseConfigSchema, { KAFKA_BROKERS: 'k:9092' })).toEqual({
      HTTP_HOST: '0.0.0.0',
      KAFKA_BROKERS: ['k:9092'],
      KAFKA_TOPICS: 'create',
      KAFKA_REPLICATION_FACTOR: 1,
      KAFKA_TOPIC_PREFIX: '',
      LOG_LEVEL: 'info',
    });
    expect(() => loadConfig(baseConfigSchema, { KAFKA_BROKERS: 'k:9092', KAFKA_TOPICS: 'make' })).toThrow(
      /KAFKA_TOPICS/,
    );
    expect(() => loadConfig(baseConfigSchema, { KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig(baseConfigSchema, { KAFKA_BROKERS: 'k:9092', LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL/,
    );
  });
});
