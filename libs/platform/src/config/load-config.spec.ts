import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, csv, loadConfig, port } from './load-config.js';

const schema = z.object({ HTTP_PORT: port.default(8080), KAFKA_BROKERS: csv, ADMIN_TOKEN: z.string().min(16) });

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
    expect(loadConfig(schema, { HTTP_PORT: '', KAFKA_BROKERS: 'k:9', ADMIN_TOKEN: 'y'.repeat(20) }).HTTP_PORT).toBe(8080);
  });
});
