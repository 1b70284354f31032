import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { mailboxFailureReply } from '../protocol/mailbox-failure.js';
import { MailboxClient, MailboxError } from './mailbox-client.js';

/**
 * A stand-in mailbox that drops the connection (no answer, the socket destroyed) for the first
 * `drops` requests, as a mailbox closing a keep-alive socket does, then answers.
 */
class DroppingMailbox {
  requests = 0;
  private server: Server | undefined;

  constructor(
    private readonly drops: number,
    private readonly answer: (request: IncomingMessage, response: ServerResponse) => void,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests += 1;
      request.resume();
      request.on('end', () => {
        if (this.requests <= this.drops) request.socket.destroy();
        else this.answer(request, response);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function json(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const jmapAnswer = (_request: IncomingMessage, response: ServerResponse) =>
  json(response, { methodResponses: [['Mailbox/get', { list: [] }, 'm']] });

describe(MailboxClient.name, () => {
  let mailbox: DroppingMailbox | undefined;
  afterEach(async () => {
    await mailbox?.stop();
    mailbox = undefined;
  });

  const clientOf = (url: string) =>
    new MailboxClient(
      {
        MAILBOX_URL: url,
        INTERNAL_TOKEN: 'internal-token-for-tests-0123456789',
        MAILBOX_TIMEOUT_MS: 10_000,
      } as ActiveSyncConfig,
      new ActiveSyncMetrics(),
    );

  it('sends a read once more when mailbox drops the connection, and returns the second answer', async () => {
    mailbox = new DroppingMailbox(1, jmapAnswer);
    const client = clientOf(await mailbox.start());
    const answer = await client.call('account-1', [['Mailbox/get', { accountId: 'account-1' }, 'm']]);
    expect(answer).toEqual([['Mailbox/get', { list: [] }, 'm']]);
    expect(mailbox.requests).toBe(2);
  });

  it('retries a blob read once when mailbox drops the connection', async () => {
    mailbox = new DroppingMailbox(1, (_request, response) => {
      response.writeHead(200, { 'x-pushmail-blob-type': 'text/plain' });
      response.end('hello');
    });
    const client = clientOf(await mailbox.start());
    const blob = await client.blob('account-1', 'blob-1');
    expect(blob).toEqual({ type: 'text/plain', data: Buffer.from('hello') });
    expect(mailbox.requests).toBe(2);
  });

  it('gives up after one retry with a connection-lost failure that answers 503 with Retry-After', async () => {
    mailbox = new DroppingMailbox(Number.POSITIVE_INFINITY, jmapAnswer);
    const client = clientOf(await mailbox.start());
    const failure = await client.call('account-1', [['Email/query', { accountId: 'account-1' }, 'q']]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MailboxError);
    expect(failure).toMatchObject({ kind: 'failed', connectionLost: true });
    expect(mailbox.requests).toBe(2);
    expect(mailboxFailureReply(failure)).toEqual({
      http: 503,
      detail: 'the mail store is unavailable; retry shortly',
      headers: { 'Retry-After': '5' },
    });
  });

  it('never sends a write twice: a dropped Email/set fails as connection-lost after one request', async () => {
    mailbox = new DroppingMailbox(1, jmapAnswer);
    const client = clientOf(await mailbox.start());
    await expect(
      client.call('account-1', [
        ['Email/set', { accountId: 'account-1', destroy: ['e1'] }, 's'],
        ['Email/get', { accountId: 'account-1', ids: ['e1'] }, 'g'],
      ]),
    ).rejects.toMatchObject({ name: 'MailboxError', kind: 'failed', connectionLost: true });
    expect(mailbox.requests).toBe(1);
  });

  it('answers a refused connection as unavailable, so the phone is told to retry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      clientOf(`http://127.0.0.1:${port}`).call('account-1', [
        ['Mailbox/get', { accountId: 'account-1' }, 'm'],
      ]),
    ).rejects.toMatchObject({ name: 'MailboxError', kind: 'unavailable', connectionLost: false });
  });

  it('reads a mailbox served under a path of MAILBOX_URL, and a blob mailbox does not have as none', async () => {
    const paths: string[] = [];
    mailbox = new DroppingMailbox(0, (request, response) => {
      paths.push(request.url ?? '');
      if (request.url?.includes('/internal/blobs/')) {
        response.writeHead(404).end();
        return;
      }
      jmapAnswer(request, response);
    });
    const client = clientOf(`${await mailbox.start()}/mail/`);
    expect(await client.call('account-1', [['Mailbox/get', { accountId: 'account-1' }, 'm']])).toHaveLength(
      1,
    );
    expect(await client.blob('account-1', 'missing')).toBeUndefined();
    expect(paths).toEqual(['/mail/internal/jmap', '/mail/internal/blobs/account-1/missing']);
  });
});

describe(mailboxFailureReply.name, () => {
  it('answers 503 with Retry-After for an unreachable mailbox and a dropped connection', () => {
    expect(mailboxFailureReply(new MailboxError('unavailable', 'refused'))).toMatchObject({
      http: 503,
      headers: { 'Retry-After': '5' },
    });
    expect(mailboxFailureReply(new MailboxError('failed', 'dropped', true))).toMatchObject({ http: 503 });
  });

  it('leaves any other failure to the generic 500', () => {
    expect(mailboxFailureReply(new MailboxError('failed', 'mailbox answered HTTP 500'))).toBeUndefined();
    expect(mailboxFailureReply(new Error('bug'))).toBeUndefined();
  });
});
