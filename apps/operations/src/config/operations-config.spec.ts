import { loadConfig } from '@pushmail/platform';
import { baseConfigDefaults, requiredServiceEnv } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { operationsConfigSchema } from './operations-config.js';

const required = requiredServiceEnv;

describe('operationsConfigSchema', () => {
  it('applies the defaults', () => {
    expect(loadConfig(operationsConfigSchema, required)).toEqual({
      ...baseConfigDefaults,
      OPERATIONS_HTTP_PORT: 8085,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
      REGISTRY_URL: 'http://127.0.0.1:8081',
      OUTBOUND_URL: 'http://127.0.0.1:8086',
      MAX_DEVICES_PER_ACCOUNT: 10,
      TRAIL_RETENTION_DAYS: 7,
      TRAIL_MAX_PER_DEVICE: 2000,
      TRAIL_CONSUMER_GROUP: 'operations-trail',
      DIAG_STALE_DAYS: 14,
      DIAG_FETCH_GRACE_MS: 120_000,
      DIAG_PING_GRACE_MS: 60_000,
      SELFTEST_SMTP_HOST: '127.0.0.1',
      SELFTEST_SMTP_PORT: 2525,
      SELFTEST_JMAP_WS_URL: 'ws://127.0.0.1:8080/jmap/ws',
      CONSOLE_METRICS_URLS: [],
      CONSOLE_DIR: expect.stringMatching(/console\/?$/),
    });
  });

  const load = (env: Record<string, string>) => () => loadConfig(operationsConfigSchema, env);

  it('names each missing required variable', () => {
    for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'ADMIN_TOKEN']) expect(load({})).toThrow(name);
  });

  it('refuses a short admin token without printing it', () => {
    expect(load({ ...required, ADMIN_TOKEN: 'too-short-secret' })).toThrow(/ADMIN_TOKEN/);
    expect(load({ ...required, ADMIN_TOKEN: 'too-short-secret' })).not.toThrow(/too-short-secret/);
  });

  it('refuses a registry URL that is not HTTP, a bad consumer group and a non-WebSocket self-test URL', () => {
    expect(load({ ...required, REGISTRY_URL: 'ftp://registry' })).toThrow(/REGISTRY_URL/);
    expect(load({ ...required, TRAIL_CONSUMER_GROUP: 'a group' })).toThrow(/TRAIL_CONSUMER_GROUP/);
    expect(load({ ...required, SELFTEST_JMAP_WS_URL: 'http://x/jmap/ws' })).toThrow(/SELFTEST_JMAP_WS_URL/);
  });
});
