import { ConfigError, loadConfig } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { ingestConfigSchema } from './ingest-config.js';

describe('ingestConfigSchema', () => {
  it('applies the documented defaults and lower-cases the hosted domains', () => {
    const config = loadConfig(ingestConfigSchema, {
      KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
      MAIL_DOMAINS: 'Example.COM, mail.example.org',
    });

    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:19092', '127.0.0.1:19093'],
      MAIL_DOMAINS: ['example.com', 'mail.example.org'],
      INGEST_HTTP_PORT: 8083,
      SMTP_PORT: 2525,
      SMTP_HOST: '0.0.0.0',
      SMTP_MAX_MESSAGE_BYTES: 10_485_760,
      SMTP_MAX_RECIPIENTS: 100,
      SMTP_MAX_CLIENTS: 1000,
      SMTP_SOCKET_TIMEOUT_MS: 60_000,
      SMTP_MAX_CLIENTS_PER_ADDRESS: 20,
      SMTP_COMMAND_TIMEOUT_MS: 120_000,
      SMTP_DATA_TIMEOUT_MS: 600_000,
      SMTP_MAX_ERRORS: 20,
      SMTP_ERROR_DELAY_MS: 100,
      INGEST_PUBLISH_TIMEOUT_MS: 8000,
    });
    expect(config.POSTMASTER_ACCOUNT).toBeUndefined();
    expect(config.SMTP_HOSTNAME.length).toBeGreaterThan(0);
  });

  it('names the missing brokers and domains', () => {
    expect(() => loadConfig(ingestConfigSchema, {})).toThrow(ConfigError);
    expect(() => loadConfig(ingestConfigSchema, {})).toThrow(/KAFKA_BROKERS[\s\S]*MAIL_DOMAINS/);
    expect(() => loadConfig(ingestConfigSchema, { KAFKA_BROKERS: 'k:9092', MAIL_DOMAINS: ' , ' })).toThrow(
      /MAIL_DOMAINS: must name at least one domain/,
    );
  });

  it('refuses a message size limit the events could not carry', () => {
    expect(() =>
      loadConfig(ingestConfigSchema, {
        KAFKA_BROKERS: 'k:9092',
        MAIL_DOMAINS: 'example.com',
        SMTP_MAX_MESSAGE_BYTES: String(64 * 1024 * 1024),
      }),
    ).toThrow(/SMTP_MAX_MESSAGE_BYTES/);
  });
});
