import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureHostTools } from './host-tools.mjs';

describe('ensureHostTools', () => {
  const saved = { PATH: process.env['PATH'], PUSHMAIL_NO_APT: process.env['PUSHMAIL_NO_APT'] };

  afterEach(() => {
    process.env['PATH'] = saved.PATH;
    if (saved.PUSHMAIL_NO_APT === undefined) delete process.env['PUSHMAIL_NO_APT'];
    else process.env['PUSHMAIL_NO_APT'] = saved.PUSHMAIL_NO_APT;
  });

  it('finds a tool on PATH and gives its path', () => {
    process.env['PATH'] = dirname(process.execPath);
    process.env['CHROMIUM_PATH'] = process.execPath;
    try {
      expect(ensureHostTools(['chromium'])).toEqual({ chromium: process.execPath });
    } finally {
      delete process.env['CHROMIUM_PATH'];
    }
  });

  it('names the Debian packages of the missing tools when it may not install them', () => {
    process.env['PATH'] = dirname(process.execPath);
    process.env['PUSHMAIL_NO_APT'] = '1';
    expect(() => ensureHostTools(['mvn', 'chromium'])).toThrow(
      /missing mvn .*chromium .*apt-get install maven chromium/,
    );
  });
});
