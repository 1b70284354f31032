import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from './codec.js';
import { mailArrivedTopic, mailboxChangedTopic } from './topics/topics.js';

const arrived = () => ({
  eventId: randomUUID(),
  accountId: randomUUID(),
  deliveryId: 'd-1',
  receivedAt: new Date().toISOString(),
  envelope: { mailFrom: 'a@example.org', rcptTo: 'b@example.com' },
  smtp: { clientAddress: '127.0.0.1', heloName: 'client', sessionId: 's1' },
  sizeBytes: 5,
  rawBase64: Buffer.from('hello').toString('base64'),
});

describe('encodeEvent', () => {
  it('keys an event by its account id and names the schema in a header', () => {
    const event = arrived();
    const encoded = encodeEvent(mailArrivedTopic, event);
    expect(encoded.key).toBe(event.accountId);
    expect(encoded.headers['pushmail-schema']).toBe('pushmail.mail.arrived.v1');
    expect(JSON.parse(encoded.value.toString())).toEqual(event);
  });

  it('refuses to produce an event that does not match its schema', () => {
    expect(() => encodeEvent(mailArrivedTopic, { ...arrived(), accountId: 'not-a-uuid' })).toThrow(
      /invalid pushmail.mail.arrived.v1 event: accountId/,
    );
  });
});

describe('decodeEvent', () => {
  it('round-trips a valid event', () => {
    const event = arrived();
    const decoded = decodeEvent(mailArrivedTopic, encodeEvent(mailArrivedTopic, event).value);
    expect(decoded).toEqual({ ok: true, event });
  });

  it('reports bytes that are not JSON instead of throwing', () => {
    const decoded = decodeEvent(mailArrivedTopic, Buffer.from('{not json'));
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toMatch(/^not JSON/);
  });

  it('reports which field broke the schema', () => {
    const decoded = decodeEvent(
      mailboxChangedTopic,
      Buffer.from(JSON.stringify({ accountId: randomUUID() })),
    );
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toMatch(/eventId/);
  });

  it('reports an empty value', () => {
    expect(decodeEvent(mailArrivedTopic, null)).toEqual({ ok: false, reason: 'empty value' });
  });
});
