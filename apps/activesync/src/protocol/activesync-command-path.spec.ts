import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isActiveSyncCommand } from './activesync.controller.js';

const request = (method: string, url: string) => ({ method, url }) as IncomingMessage;

describe(isActiveSyncCommand.name, () => {
  it('matches a POST to the path in any case, with or without a trailing slash, the query aside', () => {
    expect(isActiveSyncCommand(request('POST', '/Microsoft-Server-ActiveSync?Cmd=Ping&DeviceId=a'))).toBe(
      true,
    );
    expect(isActiveSyncCommand(request('POST', '/microsoft-server-activesync'))).toBe(true);
    expect(isActiveSyncCommand(request('POST', '/Microsoft-Server-ActiveSync/?Cmd=Sync'))).toBe(true);
    expect(
      isActiveSyncCommand(request('POST', 'http://mail.example.test/Microsoft-Server-ActiveSync?Cmd=Ping')),
    ).toBe(true);
  });

  it('leaves every other request to the framework', () => {
    expect(isActiveSyncCommand(request('OPTIONS', '/Microsoft-Server-ActiveSync'))).toBe(false);
    expect(isActiveSyncCommand(request('GET', '/Microsoft-Server-ActiveSync'))).toBe(false);
    expect(isActiveSyncCommand(request('POST', '/Microsoft-Server-ActiveSync/x'))).toBe(false);
    expect(isActiveSyncCommand(request('POST', '/autodiscover/autodiscover.xml'))).toBe(false);
    expect(isActiveSyncCommand(request('POST', 'not a url'))).toBe(false);
  });
});
