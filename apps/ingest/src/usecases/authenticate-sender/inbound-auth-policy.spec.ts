import { loadConfig } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { ingestConfigSchema } from '../../config/ingest-config.js';
import { policyForRecipients } from './inbound-auth-policy.js';

const base = { KAFKA_BROKERS: 'k:9092', MAIL_DOMAINS: 'example.com,example.org' };

describe('INBOUND_AUTH_POLICY', () => {
  it('reads a policy per hosted domain, marking by default', () => {
    const config = loadConfig(ingestConfigSchema, { ...base, INBOUND_AUTH_POLICY: 'Example.COM=reject' });

    expect(config.INBOUND_AUTH_POLICY).toEqual(new Map([['example.com', 'reject']]));
    expect(config.INBOUND_AUTH_DEFAULT_POLICY).toBe('mark');
    expect(loadConfig(ingestConfigSchema, base).INBOUND_AUTH_POLICY.size).toBe(0);
  });

  it('stops at boot on a domain it does not host, an unknown policy or a domain named twice', () => {
    expect(() =>
      loadConfig(ingestConfigSchema, { ...base, INBOUND_AUTH_POLICY: 'other.test=reject' }),
    ).toThrow(/INBOUND_AUTH_POLICY: other\.test is not one of MAIL_DOMAINS/);
    expect(() =>
      loadConfig(ingestConfigSchema, { ...base, INBOUND_AUTH_POLICY: 'example.com=bounce' }),
    ).toThrow(/INBOUND_AUTH_POLICY: must be domain=reject or domain=mark/);
    expect(() =>
      loadConfig(ingestConfigSchema, { ...base, INBOUND_AUTH_POLICY: 'example.com=mark,EXAMPLE.com=reject' }),
    ).toThrow(/INBOUND_AUTH_POLICY: names a domain twice/);
  });
});

describe(policyForRecipients.name, () => {
  it('rejects when any recipient domain rejects, by its own policy or the default', () => {
    const policies = new Map([['strict.test', 'reject' as const]]);

    expect(policyForRecipients(['relaxed.test', 'STRICT.test'], policies, 'mark')).toBe('reject');
    expect(policyForRecipients(['relaxed.test'], policies, 'mark')).toBe('mark');
    expect(policyForRecipients(['relaxed.test'], policies, 'reject')).toBe('reject');
  });
});
