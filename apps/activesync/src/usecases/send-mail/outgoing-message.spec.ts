import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { importRefusalStatus, submissionRefusalStatus } from './mail-submission.js';
import {
  forwardedPart,
  hasHeader,
  looksLikeMessage,
  quotedPart,
  splitMessage,
  withHeaders,
  withPart,
} from './outgoing-message.js';

const reply = Buffer.from(
  'To: bob@example.com\r\nSubject: Re: lunch\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    'Content-Transfer-Encoding: 8bit\r\n\r\nYes, at noon. — A\r\n',
);

describe('outgoing message', () => {
  it('reads folded header fields and the body, with CRLF or bare LF', () => {
    const lf = splitMessage(Buffer.from('Subject: a\n long\nTo: b@x\n\nbody\n'));
    expect(lf.fields).toEqual(['Subject: a\r\n long', 'To: b@x']);
    expect(lf.body.toString()).toBe('body\n');
    expect(splitMessage(Buffer.from('Subject: only headers')).body.length).toBe(0);
  });

  it('adds From only when the phone left it out, and never carries a line break into a header', () => {
    const added = withHeaders(reply, [['From', '<alice@example.com>']]);
    expect(added.toString('latin1')).toMatch(/^From: <alice@example.com>\r\nTo: bob/);
    const kept = Buffer.from('From: Alice <alice@example.com>\r\n\r\nx');
    expect(withHeaders(kept, [['from', '<other@example.com>']])).toBe(kept);
    const injected = withHeaders(reply, [['In-Reply-To', '<a@b>\r\nBcc: evil@x']]).toString('latin1');
    expect(injected).toContain('In-Reply-To: <a@b> Bcc: evil@x\r\n');
    expect(hasHeader(Buffer.from(injected, 'latin1'), 'bcc')).toBe(false);
  });

  it('tells a message from bytes that are not one', () => {
    expect(looksLikeMessage(reply)).toBe(true);
    expect(looksLikeMessage(Buffer.from('just some text\r\n\r\nmore'))).toBe(false);
    expect(looksLikeMessage(Buffer.alloc(0))).toBe(false);
  });

  it('joins the quoted original to a reply, keeping the reply part byte for byte', async () => {
    const joined = withPart(
      reply,
      quotedPart({
        from: 'Bob <bob@example.com>',
        sentAt: '2026-12-01T10:00:00Z',
        subject: 'lunch',
        text: 'Lunch? ✓',
      }),
    );
    const parsed = await simpleParser(joined);
    expect(parsed.subject).toBe('Re: lunch');
    expect(parsed.text).toContain('Yes, at noon. — A');
    expect(parsed.text).toContain('-----Original message-----');
    expect(parsed.text).toContain('Lunch? ✓');
    expect(joined.includes(Buffer.from('Yes, at noon. — A'))).toBe(true);
  });

  it('forwards the original as an attached message, unencoded', async () => {
    const original = Buffer.from('From: carol@example.org\r\nSubject: Plans\r\n\r\nThe plans, attached.\r\n');
    const joined = withPart(
      Buffer.from('To: dave@example.net\r\nSubject: Fwd: Plans\r\n\r\nFYI\r\n'),
      forwardedPart(original),
    );
    const parsed = await simpleParser(joined);
    expect(parsed.text).toContain('FYI');
    expect(joined.includes(original)).toBe(true);
    expect(joined.toString('latin1')).toContain('Content-Type: message/rfc822\r\n');
    expect(joined.toString('latin1')).toContain('Content-Transfer-Encoding: 7bit');
  });
});

describe('send refusals', () => {
  it('answers each refusal of mailbox with the ComposeMail Status that names it', () => {
    expect(importRefusalStatus('invalidEmail')).toBe(107);
    expect(importRefusalStatus('overQuota')).toBe(113);
    expect(submissionRefusalStatus('noRecipients')).toBe(119);
    expect(submissionRefusalStatus('invalidRecipients')).toBe(116);
    expect(submissionRefusalStatus('tooLarge')).toBe(122);
    expect(submissionRefusalStatus('forbiddenToSend')).toBe(115);
    expect(submissionRefusalStatus('forbiddenFrom')).toBe(130);
    expect(submissionRefusalStatus('serverFail')).toBe(120);
  });
});
