import { CORE_CAPABILITY, LIMIT_ERROR } from '@pushmail/jmap';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pushConfigSchema, type PushConfig } from '../config/push-config.js';
import { runWithRequestSignal } from '@pushmail/platform';
import { MailboxClient, MailboxError, MailboxRefusedRequest } from './mailbox-client.js';

const accountId = '2c9a4f1e-3b5d-4c7e-8f90-a1b2c3d4e5f6';
const internalToken = 'internal-token-for-tests-0123456789';
const request = {
  using: [CORE_CAPABILITY],
  methodCalls: [['Core/echo', { x: 1 }, 'c1']] as [string, Record<string, unknown>, string][],
};

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** A stand-in for mailbox's internal endpoint, on a loopback port. */
async function fakeMailbox(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function configFor(mailboxUrl: string, overrides: Record<string, string> = {}): PushConfig {
  return pushConfigSchema.parse({
    KAFKA_BROKERS: '127.0.0.1:1',
    INTERNAL_TOKEN: internalToken,
    MAILBOX_URL: mailboxUrl,
    ...overrides,
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

describe(MailboxClient.name, () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('passes on a request-level problem mailbox answers, such as a request over its budget', async () => {
    const problem = {
      type: LIMIT_ERROR,
      status: 400,
      detail: 'the response would be larger than maxSizeResponse',
      limit: 'maxSizeResponse',
    };
    const { server, url } = await fakeMailbox((_req, _body, res) => json(res, 400, problem));
    servers.push(server);

    const error = await new MailboxClient(configFor(url))
      .execute(accountId, request)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailboxRefusedRequest);
    expect((error as MailboxRefusedRequest).problem).toEqual(problem);
  });

  it('hangs up on mailbox as soon as the request it serves has ended', async () => {
    const device = new AbortController();
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const { server, url } = await fakeMailbox((req) => {
      // mailbox is working on it (no answer yet) when the device leaves.
      req.socket.once('close', hungUp);
      device.abort();
    });
    servers.push(server);

    const error = await runWithRequestSignal(device.signal, () =>
      new MailboxClient(configFor(url)).execute(accountId, request),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailboxError);
    expect((error as MailboxError).message).toMatch(/device left/);
    await closed;
  });

  it('posts the account and request with the internal bearer token and returns the answer', async () => {
    const seen: Array<{ method?: string; url?: string; authorization?: string; body: unknown }> = [];
    const { server, url } = await fakeMailbox((req, body, res) => {
      seen.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        body: JSON.parse(body),
      });
      json(res, 200, { methodResponses: [['Core/echo', { x: 1 }, 'c1']], sessionState: 's' });
    });
    servers.push(server);

    const answer = await new MailboxClient(configFor(url)).execute(accountId, request);

    expect(answer).toEqual({ methodResponses: [['Core/echo', { x: 1 }, 'c1']], sessionState: 's' });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/internal/jmap',
        authorization: `Bearer ${internalToken}`,
        body: { accountId, request },
      },
    ]);
  });

  it('calls a mailbox served under a path of MAILBOX_URL', async () => {
    const paths: string[] = [];
    const { server, url } = await fakeMailbox((req, _body, res) => {
      paths.push(req.url ?? '');
      json(res, 200, { methodResponses: [['Core/echo', { x: 1 }, 'c1']], sessionState: 's' });
    });
    servers.push(server);

    await new MailboxClient(configFor(`${url}/mail/`)).execute(accountId, request);

    expect(paths).toEqual(['/mail/internal/jmap']);
  });

  it("reads an account's push state", async () => {
    const known = {
      Email: 'e9',
      Mailbox: 'm2',
      Thread: 't9',
      EmailDelivery: 'd9',
      VacationResponse: 'v3',
      Identity: 'i1',
      EmailSubmission: 's4',
    };
    const { server, url } = await fakeMailbox((req, _body, res) => {
      expect(req.url).toBe(`/internal/jmap/state/${accountId}`);
      json(res, 200, { state: '9', changed: { ...known, Bogus: 1 } });
    });
    servers.push(server);

    expect(await new MailboxClient(configFor(url)).accountState(accountId)).toEqual({
      state: '9',
      changed: known,
    });
  });

  it('reads the limits mailbox enforces, and refuses a malformed answer', async () => {
    let answer: unknown = { submission: { maxHoldSeconds: 3600 } };
    const { server, url } = await fakeMailbox((req, _body, res) => {
      expect(req.url).toBe('/internal/jmap/limits');
      expect(req.headers.authorization).toBe(`Bearer ${internalToken}`);
      json(res, 200, answer);
    });
    servers.push(server);
    const client = new MailboxClient(configFor(url));

    expect(await client.limits()).toEqual({ submission: { maxHoldSeconds: 3600 } });
    for (const malformed of [
      {},
      { submission: { maxHoldSeconds: -1 } },
      { submission: { maxHoldSeconds: '60' } },
    ]) {
      answer = malformed;
      await expect(client.limits()).rejects.toMatchObject({ name: 'MailboxError', kind: 'failed' });
    }
  });

  it('reports an unreachable mailbox as unavailable', async () => {
    const { server, url } = await fakeMailbox(() => undefined);
    await new Promise((resolve) => server.close(resolve));

    const failure = await new MailboxClient(configFor(url))
      .execute(accountId, request)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MailboxError);
    expect((failure as MailboxError).kind).toBe('unavailable');
  });

  it('reports a timeout as failed: the call may have run', async () => {
    const { server, url } = await fakeMailbox(() => undefined);
    servers.push(server);

    const failure = await new MailboxClient(configFor(url, { MAILBOX_TIMEOUT_MS: '100' }))
      .execute(accountId, request)
      .catch((error: unknown) => error);
    server.closeAllConnections();

    expect((failure as MailboxError).kind).toBe('failed');
    expect((failure as MailboxError).message).toMatch(/within 100 ms/);
  });

  it('refuses a malformed answer instead of passing it to the device', async () => {
    const { server, url } = await fakeMailbox((_req, _body, res) =>
      json(res, 200, { methodResponses: [['x']] }),
    );
    servers.push(server);

    const failure = await new MailboxClient(configFor(url))
      .execute(accountId, request)
      .catch((error: unknown) => error);

    expect((failure as MailboxError).kind).toBe('failed');
  });

  it('treats 503 as unavailable and other error statuses as failed', async () => {
    let status = 503;
    const { server, url } = await fakeMailbox((_req, _body, res) => json(res, status, { error: 'x' }));
    servers.push(server);
    const client = new MailboxClient(configFor(url));

    const unavailable = await client.execute(accountId, request).catch((error: unknown) => error);
    status = 401;
    const failed = await client.execute(accountId, request).catch((error: unknown) => error);

    expect((unavailable as MailboxError).kind).toBe('unavailable');
    expect((failed as MailboxError).kind).toBe('failed');
  });
});
