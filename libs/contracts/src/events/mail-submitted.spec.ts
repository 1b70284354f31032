import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../codec.js';
import { mailDeliveryStatusTopic, mailSubmittedV2Topic } from '../topics/topics.js';
import { envelopeAddress } from './mail-submitted.js';

const submitted = (rcptTo: string[] = ['bob@elsewhere.example']) => ({
  eventId: randomUUID(),
  accountId: randomUUID(),
  submissionId: 'S1',
  emailId: 'M1',
  submittedAt: new Date().toISOString(),
  envelope: { mailFrom: 'alice@example.com', rcptTo },
  sizeBytes: 5,
  rawBase64: Buffer.from('hello').toString('base64'),
});

describe('mailSubmittedV2Topic', () => {
  it('keys a submission by the sending account and round-trips it', () => {
    const event = submitted();
    const encoded = encodeEvent(mailSubmittedV2Topic, event);
    expect(encoded.key).toBe(event.accountId);
    expect(decodeEvent(mailSubmittedV2Topic, encoded.value)).toEqual({ ok: true, event });
  });

  it('refuses a submission without recipients', () => {
    expect(() => encodeEvent(mailSubmittedV2Topic, submitted([]))).toThrow(/envelope.rcptTo/);
  });

  it('refuses an envelope address that would smuggle a command or header into SMTP', () => {
    for (const address of [
      'bob@elsewhere.example\r\nRCPT TO:<eve@evil.example>',
      'bob@elsewhere.example>\nData',
      'bob <x>@elsewhere.example',
      'bob@elsewhere.example,eve@evil.example',
      'bob@elsewhere..example\u0000',
    ]) {
      expect(envelopeAddress.safeParse(address).success, address).toBe(false);
    }
    expect(envelopeAddress.safeParse('bob.o+tag@elsewhere.example').success).toBe(true);
  });

  it('carries the null reverse-path', () => {
    const event = { ...submitted(), envelope: { mailFrom: '', rcptTo: ['bob@elsewhere.example'] } };
    expect(decodeEvent(mailSubmittedV2Topic, encodeEvent(mailSubmittedV2Topic, event).value)).toEqual({
      ok: true,
      event,
    });
  });

  it('still refuses a sender that would smuggle a command into SMTP', () => {
    for (const mailFrom of [' ', '<>', 'alice@example.com>\r\nRCPT TO:<eve@evil.example>']) {
      const event = { ...submitted(), envelope: { mailFrom, rcptTo: ['bob@elsewhere.example'] } };
      expect(() => encodeEvent(mailSubmittedV2Topic, event), mailFrom).toThrow(/envelope.mailFrom/);
    }
  });
});

describe('mailDeliveryStatusTopic', () => {
  it('refuses an outcome outside the deliveryStatus values', () => {
    const event = {
      eventId: randomUUID(),
      accountId: randomUUID(),
      submissionId: 'S1',
      recipient: 'bob@elsewhere.example',
      delivered: 'bounced',
      smtpReply: '550 no',
      attempts: 1,
      occurredAt: new Date().toISOString(),
    };
    expect(() => encodeEvent(mailDeliveryStatusTopic, event as never)).toThrow(/delivered/);
    expect(encodeEvent(mailDeliveryStatusTopic, { ...event, delivered: 'no' as const }).key).toBe(
      event.accountId,
    );
  });
});
