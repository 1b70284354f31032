import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, bearerToken, postgresUrl, secretKeysOf } from '../config/load-config.js';
import { createLogger, describeError } from './logger.js';

const schema = baseConfigSchema.extend({
  ADMIN_TOKEN: bearerToken(),
  DATABASE_URL: postgresUrl,
  PORT: z.number(),
});

function capturingLogger(secrets: readonly string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('test', { level: 'info', secrets, destination }), lines };
}

describe(createLogger.name, () => {
  const adminToken = 'admin-token-value-that-must-stay-hidden';
  const databaseUrl = 'postgres://app:db-password-hidden@db:5432/app';

  it('never writes a secret marked in the config schema, at the top of a line or one level down', () => {
    const { logger, lines } = capturingLogger(secretKeysOf(schema));
    logger.info({ config: { ADMIN_TOKEN: adminToken, DATABASE_URL: databaseUrl, PORT: 8080 } }, 'config');
    logger.info({ ADMIN_TOKEN: adminToken, DATABASE_URL: databaseUrl }, 'flat');
    const written = lines.join('');
    expect(written).not.toContain(adminToken);
    expect(written).not.toContain('db-password-hidden');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      service: 'test',
      config: { ADMIN_TOKEN: '[redacted]', DATABASE_URL: '[redacted]', PORT: 8080 },
    });
  });

  it('redacts passwords, tokens and authorization headers whatever the schema says', () => {
    const { logger, lines } = capturingLogger([]);
    logger.info({ password: 'p4ss', req: { headers: { authorization: 'Bearer abc' } } }, 'request');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line['password']).toBe('[redacted]');
    expect(JSON.stringify(line)).not.toContain('Bearer abc');
  });
});

describe(describeError.name, () => {
  it('keeps the type, message and code of an error and drops its other properties', () => {
    const error = Object.assign(new Error('duplicate key'), { code: '23505', parameters: ['hash'] });
    expect(describeError(error)).toEqual({ type: 'Error', message: 'duplicate key', code: '23505' });
    expect(describeError('boom')).toEqual({ type: 'string', message: 'non-error value thrown' });
  });
});
