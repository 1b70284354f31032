import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ensureHostTools, HOST_TOOLS } from './host-tools.mjs';

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
    // `npm test` points CHROMIUM_PATH at the browser it found; here chromium must be missing.
    const chromiumPath = process.env['CHROMIUM_PATH'];
    delete process.env['CHROMIUM_PATH'];
    onTestFinished(() => {
      if (chromiumPath !== undefined) process.env['CHROMIUM_PATH'] = chromiumPath;
    });
    expect(() => ensureHostTools(['mvn', 'chromium'])).toThrow(
      /missing mvn .*chromium .*apt-get install maven chromium/,
    );
  });

  it('counts a tool that needs several commands as missing until each is on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-tools-'));
    try {
      writeFileSync(join(dir, 'wbxml2xml'), '#!/bin/sh\n');
      chmodSync(join(dir, 'wbxml2xml'), 0o755);
      process.env['PATH'] = dir;
      process.env['PUSHMAIL_NO_APT'] = '1';
      expect(() => ensureHostTools(['wbxml'])).toThrow(/missing wbxml .*apt-get install libwbxml2-utils/);
      writeFileSync(join(dir, 'xml2wbxml'), '#!/bin/sh\n');
      expect(ensureHostTools(['wbxml'])).toEqual({ wbxml: join(dir, 'wbxml2xml') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a tool as missing while a program it needs outside PATH is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-tools-'));
    const tools = HOST_TOOLS as Record<string, (typeof HOST_TOOLS)['postfix']>;
    tools['daemon-under-test'] = {
      commands: ['node'],
      files: [join(dir, 'master')],
      debianPackage: 'daemon-package',
      purpose: 'this test',
    };
    try {
      process.env['PATH'] = dirname(process.execPath);
      process.env['PUSHMAIL_NO_APT'] = '1';
      const names = ['daemon-under-test'] as unknown as Array<keyof typeof HOST_TOOLS>;
      expect(() => ensureHostTools(names)).toThrow(
        /missing daemon-under-test .*apt-get install daemon-package/,
      );
      writeFileSync(join(dir, 'master'), '#!/bin/sh\n');
      expect(ensureHostTools(names)).toEqual({
        'daemon-under-test': join(dirname(process.execPath), 'node'),
      });
    } finally {
      delete tools['daemon-under-test'];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
