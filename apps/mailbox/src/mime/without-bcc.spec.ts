import { describe, expect, it } from 'vitest';
import { withoutBcc } from './without-bcc.js';

describe(withoutBcc.name, () => {
  it('removes the Bcc field and its folded lines and keeps everything else byte for byte', () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nBcc: x@example.org,\r\n y@example.org\r\nTo: b@example.net\r\n\r\nBcc: body line stays\r\n',
    );
    expect(withoutBcc(raw).toString()).toBe(
      'From: a@example.com\r\nTo: b@example.net\r\n\r\nBcc: body line stays\r\n',
    );
  });

  it('leaves a message without Bcc as it is', () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: Bcc: not a field\r\n\r\nhi\r\n');
    expect(withoutBcc(raw)).toBe(raw);
  });

  it('handles bare line feeds and a message without a body', () => {
    expect(withoutBcc(Buffer.from('BCC: x@example.org\nFrom: a@example.com\n')).toString()).toBe(
      'From: a@example.com\n',
    );
  });
});
