import 'reflect-metadata';
import { Writable } from 'node:stream';
import { Module } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, bearerToken, port } from '../config/load-config.js';
import { bootstrapService, type ServiceDefinition } from './bootstrap-service.js';

@Module({})
class EmptyModule {}

const schema = baseConfigSchema.extend({ TEST_HTTP_PORT: port.default(0), ADMIN_TOKEN: bearerToken() });

const definition: ServiceDefinition<typeof schema> = {
  name: 'bootstrap-test',
  configSchema: schema,
  module: EmptyModule,
  port: 'TEST_HTTP_PORT',
};

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { destination, lines };
}

describe(bootstrapService.name, () => {
  it('stops the process on a bad variable with one JSON line naming it and never its value', async () => {
    const { destination, lines } = capture();
    const exits: number[] = [];
    const app = await bootstrapService(definition, {
      env: { KAFKA_BROKERS: 'k:9092', ADMIN_TOKEN: 'short-secret-value', HTTP_HOST: '127.0.0.1' },
      destination,
      exit: (code) => exits.push(code),
    });
    expect(app).toBeUndefined();
    expect(exits).toEqual([1]);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as {
      level: number;
      msg: string;
      error: { type: string; message: string };
    };
    expect(line.msg).toBe('bootstrap-test failed to start');
    expect(line.level).toBe(60);
    expect(line.error.type).toBe('ConfigError');
    expect(line.error.message).toMatch(/ADMIN_TOKEN/);
    expect(lines[0]).not.toContain('short-secret-value');
  });

  it('listens on the configured port, logs that it does and never logs a secret', async () => {
    const { destination, lines } = capture();
    const token = 'a-valid-admin-token-of-24-characters-or-more';
    const exits: number[] = [];
    const app = await bootstrapService(
      { ...definition, afterListen: (_app, { config, logger }) => logger.info({ config }, 'configured') },
      {
        env: { KAFKA_BROKERS: 'k:9092', ADMIN_TOKEN: token, HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
        destination,
        exit: (code) => exits.push(code),
      },
    );
    try {
      expect(exits).toEqual([]);
      expect(app).toBeDefined();
      const response = await fetch(`${await app!.getUrl()}/nowhere`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-powered-by')).toBeNull();
      const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain('bootstrap-test listening');
      expect(messages).toContain('configured');
      expect(lines.join('')).not.toContain(token);
    } finally {
      await app?.close();
    }
  });
});
