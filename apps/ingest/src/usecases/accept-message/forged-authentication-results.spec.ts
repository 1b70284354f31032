import { describe, expect, it } from 'vitest';
import { withoutForgedAuthenticationResults } from './forged-authentication-results.js';

const OURS = new Set(['mx.example.com', 'example.com']);

function strip(text: string): string {
  return withoutForgedAuthenticationResults(Buffer.from(text, 'latin1'), OURS).toString('latin1');
}

describe(withoutForgedAuthenticationResults.name, () => {
  it('removes a field that claims our authserv-id, folded lines included, and keeps the rest byte for byte', () => {
    const message =
      'From: a@elsewhere.example\r\n' +
      'Authentication-Results: mx.example.com;\r\n spf=pass smtp.mailfrom=elsewhere.example;\r\n\tdmarc=pass\r\n' +
      'Subject: hi\r\n\r\nAuthentication-Results: mx.example.com; dmarc=pass\r\n';

    expect(strip(message)).toBe(
      'From: a@elsewhere.example\r\nSubject: hi\r\n\r\nAuthentication-Results: mx.example.com; dmarc=pass\r\n',
    );
  });

  it('reads the authserv-id as a client does: any case, past comments and folding, quoted, with a version', () => {
    const forged = [
      'AUTHENTICATION-RESULTS: MX.Example.COM; dkim=pass',
      'Authentication-Results : mx.example.com; dkim=pass',
      'Authentication-Results: (our (nested) verdict)\r\n mx.example.com 1; dkim=pass',
      'Authentication-Results: "mx.example.com"; dkim=pass',
      'Authentication-Results: example.com; dmarc=pass',
      'Authentication-Results: mx.example.com.; dmarc=pass',
      'Authentication-Results:mx.example.com;dmarc=pass',
    ];
    for (const field of forged) {
      expect(strip(`${field}\r\nSubject: s\r\n\r\nbody`)).toBe('Subject: s\r\n\r\nbody');
    }
  });

  it('keeps the fields of other authentication services, and returns the very input when nothing is forged', () => {
    const raw = Buffer.from(
      'Authentication-Results: mx.google.com; dkim=pass\r\n' +
        'Authentication-Results: mx.example.com.evil.example; dkim=pass\r\n' +
        'X-Authentication-Results: mx.example.com; dkim=pass\r\n' +
        'ARC-Authentication-Results: i=1; mx.example.com; dkim=pass\r\n' +
        'Subject: s\r\n\r\nbody',
    );

    expect(withoutForgedAuthenticationResults(raw, OURS)).toBe(raw);
  });

  it('handles bare LF line ends, a header without a body, and a message that starts with its body', () => {
    expect(strip('Subject: s\nAuthentication-Results: mx.example.com; spf=pass\n\nbody\n')).toBe(
      'Subject: s\n\nbody\n',
    );
    expect(strip('Subject: s\r\nAuthentication-Results: example.com; spf=pass')).toBe('Subject: s\r\n');
    expect(strip('\r\nAuthentication-Results: example.com; spf=pass\r\n')).toBe(
      '\r\nAuthentication-Results: example.com; spf=pass\r\n',
    );
  });

  it('takes time linear in the header, however many fields and folded lines it has', () => {
    const fields = 'Authentication-Results: mx.example.com;\r\n dkim=pass\r\n'.repeat(50_000);
    const folded = `X-Long: a${'\r\n b'.repeat(200_000)}\r\n`;
    const started = performance.now();
    const result = strip(`${fields}${folded}Subject: s\r\n\r\nbody`);
    expect(result).toBe(`${folded}Subject: s\r\n\r\nbody`);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
