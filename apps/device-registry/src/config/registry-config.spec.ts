import { ConfigError, loadConfig } from '@pushmail/platform';
import { baseConfigDefaults, requiredServiceEnv } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { registryConfigSchema } from './registry-config.js';

const required = requiredServiceEnv;

function configError(env: Record<string, string>): string {
  try {
    loadConfig(registryConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('registryConfigSchema', () => {
  it('applies the defaults', () => {
    expect(loadConfig(registryConfigSchema, required)).toEqual({
      ...baseConfigDefaults,
      REGISTRY_HTTP_PORT: 8081,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
      MAX_DEVICES_PER_ACCOUNT: 10,
      SIGN_IN_LOCKOUT_THRESHOLD: 5,
      SIGN_IN_LOCKOUT_WINDOW_SECONDS: 900,
      SIGN_IN_LOCKOUT_SECONDS: 900,
      SIGN_IN_FAILURE_DELAY_MS: 250,
    });
  });

  it('reads the optional settings', () => {
    const config = loadConfig(registryConfigSchema, {
      ...required,
      REGISTRY_HTTP_PORT: '9000',
      MAX_DEVICES_PER_ACCOUNT: '3',
      LOG_LEVEL: 'warn',
      PUBLIC_JMAP_URL: 'http://localhost:8080/.well-known/jmap',
    });
    expect(config).toMatchObject({
      REGISTRY_HTTP_PORT: 9000,
      MAX_DEVICES_PER_ACCOUNT: 3,
      LOG_LEVEL: 'warn',
      PUBLIC_JMAP_URL: 'http://localhost:8080/.well-known/jmap',
    });
  });

  it('names each missing required variable', () => {
    const message = configError({});
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/KAFKA_BROKERS/);
    expect(message).toMatch(/ADMIN_TOKEN/);
  });

  it('refuses a short internal token without printing it', () => {
    const message = configError({ ...required, INTERNAL_TOKEN: 'short-internal' });
    expect(message).toMatch(/INTERNAL_TOKEN/);
    expect(message).not.toContain('short-internal');
  });

  it('refuses a short admin token without printing it', () => {
    const message = configError({ ...required, ADMIN_TOKEN: 'too-short-secret' });
    expect(message).toMatch(/ADMIN_TOKEN/);
    expect(message).not.toContain('too-short-secret');
  });

  it('refuses a broker list with no broker, a device limit of zero and a non-HTTP session URL', () => {
    expect(configError({ ...required, KAFKA_BROKERS: ' , ' })).toMatch(/KAFKA_BROKERS/);
    expect(configError({ ...required, MAX_DEVICES_PER_ACCOUNT: '0' })).toMatch(/MAX_DEVICES_PER_ACCOUNT/);
    expect(configError({ ...required, PUBLIC_JMAP_URL: 'ftp://example.org/jmap' })).toMatch(
      /PUBLIC_JMAP_URL/,
    );
    expect(configError({ ...required, DATABASE_URL: 'mysql://x' })).toMatch(/DATABASE_URL/);
  });
});
