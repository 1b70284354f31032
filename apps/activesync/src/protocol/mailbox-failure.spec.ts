import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { MailboxClient, MailboxError } from '../mailbox/mailbox-client.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { mailboxFailureReply } from './mailbox-failure.js';

describe(mailboxFailureReply.name, () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    server = undefined;
  });

  it('answers a mailbox that does not answer in time with 503 and Retry-After, never 500', async () => {
    // Reads the request and never answers.
    server = createServer((request) => request.resume());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new MailboxClient(
      {
        MAILBOX_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        INTERNAL_TOKEN: 'internal-token-for-tests-0123456789',
        MAILBOX_TIMEOUT_MS: 100,
      } as ActiveSyncConfig,
      new ActiveSyncMetrics(),
    );
    const failure = await client
      .call('account-1', [['Email/set', { accountId: 'account-1', destroy: ['e1'] }, 's']])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(MailboxError);
    expect(failure).toMatchObject({ kind: 'failed', timedOut: true });
    expect(mailboxFailureReply(failure)).toEqual({
      http: 503,
      detail: 'the mail store did not answer in time; retry shortly',
      headers: { 'Retry-After': '5' },
    });
  });
});
