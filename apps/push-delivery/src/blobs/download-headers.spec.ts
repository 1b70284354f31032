import { describe, expect, it } from 'vitest';
import { contentDisposition, downloadType } from './download-headers.js';

describe(downloadType.name, () => {
  it('answers with the type the client asked for when it is a media type', () => {
    expect(downloadType('message/rfc822', 'application/octet-stream')).toBe('message/rfc822');
    expect(downloadType('text/plain; charset=utf-8', 'x/y')).toBe('text/plain; charset=utf-8');
  });

  it('falls back to the stored type for anything else', () => {
    expect(downloadType('text/html\r\nSet-Cookie: a=b', 'image/png')).toBe('image/png');
    expect(downloadType(undefined, 'image/png')).toBe('image/png');
    expect(downloadType('nonsense', 'also nonsense')).toBe('application/octet-stream');
  });
});

describe(contentDisposition.name, () => {
  it('names the file in ASCII and exactly', () => {
    expect(contentDisposition('Plan "é".pdf')).toBe(
      `attachment; filename="Plan ___.pdf"; filename*=UTF-8''Plan%20%22%C3%A9%22.pdf`,
    );
  });

  it('cannot be broken out of', () => {
    expect(contentDisposition('a\r\nSet-Cookie: x')).not.toMatch(/[\r\n]/);
  });
});
