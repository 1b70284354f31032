import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildDsn, statusCodeOf } from './dsn.js';

describe(buildDsn.name, () => {
  const original = Buffer.from(
    'From: alice@example.com\r\nTo: bob@elsewhere.example\r\nSubject: Noon\r\n\r\nsecret body\r\n',
  );

  it('writes a multipart/report with the delivery status of the failed recipient and only the original header', async () => {
    const dsn = buildDsn({
      reportingMta: 'mx.example.com',
      sender: 'alice@example.com',
      submittedAt: new Date('2026-03-14T09:00:00Z'),
      failed: {
        recipient: 'bob@elsewhere.example',
        reply: '550 5.1.1 <bob@elsewhere.example>: Recipient address rejected\r\nInjected: header',
        remoteHost: 'mx1.elsewhere.example',
        expired: false,
      },
      original,
      now: new Date('2026-03-14T09:00:05Z'),
    });
    const text = dsn.toString();
    expect(text).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(text).toContain('Final-Recipient: rfc822; bob@elsewhere.example');
    expect(text).toContain('Status: 5.1.1');
    expect(text).toContain('Action: failed');
    expect(text).toContain('Remote-MTA: dns; mx1.elsewhere.example');
    expect(text).not.toMatch(/^Injected:/m);
    expect(text).toContain('Subject: Noon');
    expect(text).not.toContain('secret body');
    const parsed = await simpleParser(dsn);
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.to).toMatchObject({ value: [{ address: 'alice@example.com' }] });
  });

  it('reports an expiry as 4.4.7 whatever the last reply said', () => {
    expect(statusCodeOf('451 4.3.0 try later', true)).toBe('4.4.7');
    expect(statusCodeOf('554 no', false)).toBe('5.0.0');
  });
});
