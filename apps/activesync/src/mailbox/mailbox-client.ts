import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  CORE_CAPABILITY,
  type Invocation,
  isObject,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  VACATION_RESPONSE_CAPABILITY,
} from '@pushmail/jmap';
import { requestErrorCode, UNREACHABLE_CODES } from '@pushmail/edge';
import { CONFIG } from '@pushmail/platform';
import { Pool, type Dispatcher } from 'undici';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';

const MAIL_USING = [
  CORE_CAPABILITY,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  // Settings Oof is the account's VacationResponse.
  VACATION_RESPONSE_CAPABILITY,
];

/**
 * Why mailbox gave no answer. `unavailable`: it never got there, so retrying later is safe.
 * `failed`: it may have run (a timeout) or mailbox answered something unusable. `connectionLost`
 * marks a `failed` whose connection was dropped under it (a keep-alive socket mailbox closed):
 * a transient fault, which a phone may retry shortly; `timedOut` a `failed` that mailbox did not
 * answer within MAILBOX_TIMEOUT_MS.
 */
export class MailboxError extends Error {
  override readonly name = 'MailboxError';
  constructor(
    readonly kind: 'unavailable' | 'failed',
    message: string,
    readonly connectionLost = false,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/** A JMAP method answered with an error object (RFC 8620 §3.6.2). */
export class MethodFailedError extends Error {
  override readonly name = 'MethodFailedError';
  constructor(
    readonly method: string,
    readonly type: string,
  ) {
    super(`${method} answered ${type}`);
  }
}

/** The gateway's calls to mailbox, also implemented by fakes in tests. */
export interface MailboxApi {
  /** Runs the calls for the account; each answer is the method's arguments, in call order. */
  call(accountId: string, calls: Invocation[], address?: string): Promise<Invocation[]>;
  /** A blob of the account (a message's MIME, an attachment); undefined when it has none by that id. */
  blob(accountId: string, blobId: string): Promise<{ type: string; data: Buffer } | undefined>;
  /** A blob as it downloads, unread: its type, its declared size, its bytes; undefined when there is none. */
  openBlob(accountId: string, blobId: string): Promise<BlobDownload | undefined>;
  /** Stores bytes as a blob of the account (a message to import); answers its blobId. */
  upload(accountId: string, data: Buffer, type: string): Promise<string>;
}

export const MAILBOX_API = Symbol('MAILBOX_API');

export interface BlobDownload {
  type: string;
  /** The size mailbox declares (Content-Length); undefined when it declares none. */
  size: number | undefined;
  body: ReadableStream<Uint8Array>;
}

/** The connection was dropped after the request may have been sent (a stale keep-alive socket). */
const DROPPED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);
/** JMAP methods that only read: a call made of these alone can be sent again without effect. */
const READ_ONLY_METHOD = /\/(get|query|changes|queryChanges)$/;
/**
 * Connections kept open to mailbox. One mailbox process answers one request at a time per core,
 * so more sockets only queue there; requests beyond them wait in the pool (their timeout running).
 */
const MAX_CONNECTIONS = 64;

/** A mailbox answer whose body is still to be read (or dumped, so the socket is reused). */
type Reply = Dispatcher.ResponseData;

/** mailbox's internal JMAP and blob endpoints, authenticated with INTERNAL_TOKEN, as push-delivery calls them. */
@Injectable()
export class MailboxClient implements MailboxApi, OnApplicationShutdown {
  private readonly authorization: string;
  /**
   * Kept-alive sockets to mailbox through undici's own request API: the global `fetch` builds a
   * WHATWG Request, Response, Headers and stream for every call, which was the gateway's largest CPU cost per message.
   */
  private readonly pool: Pool;
  /** MAILBOX_URL's path, before the endpoint's (empty when mailbox is served at the root). */
  private readonly basePath: string;

  constructor(
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(ActiveSyncMetrics) private readonly metrics: ActiveSyncMetrics,
  ) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
    const url = new URL(config.MAILBOX_URL);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: MAX_CONNECTIONS });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  async call(accountId: string, calls: Invocation[], address?: string): Promise<Invocation[]> {
    const readOnly = calls.every(([method]) => READ_ONLY_METHOD.test(method));
    for (const [method] of calls) this.metrics.mailboxMethodCalls.inc({ method });
    const response = await this.fetch('jmap', '/internal/jmap', {
      idempotent: readOnly,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        accountId,
        request: { using: MAIL_USING, methodCalls: calls },
        ...(address ? { address } : {}),
      }),
    });
    if (!ok(response)) throw await failure(response);
    const body: unknown = await response.body.json().catch(() => undefined);
    const responses = isObject(body) ? body['methodResponses'] : undefined;
    if (!Array.isArray(responses))
      throw new MailboxError('failed', 'mailbox answered a malformed JMAP response');
    return responses as Invocation[];
  }

  async blob(accountId: string, blobId: string): Promise<{ type: string; data: Buffer } | undefined> {
    const download = await this.openBlob(accountId, blobId);
    if (!download) return undefined;
    return { type: download.type, data: Buffer.from(await new Response(download.body).arrayBuffer()) };
  }

  async openBlob(accountId: string, blobId: string): Promise<BlobDownload | undefined> {
    const response = await this.fetch(
      'blob',
      `/internal/blobs/${encodeURIComponent(accountId)}/${encodeURIComponent(blobId)}`,
      { idempotent: true, method: 'GET', headers: {} },
    );
    if (response.statusCode === 404 || response.statusCode === 400) {
      await response.body.dump().catch(() => undefined);
      return undefined;
    }
    if (!ok(response)) throw await failure(response);
    const length = Number(header(response, 'content-length') ?? Number.NaN);
    return {
      type: header(response, 'x-pushmail-blob-type') ?? 'application/octet-stream',
      size: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      body: Readable.toWeb(response.body) as WebReadableStream<Uint8Array> as ReadableStream<Uint8Array>,
    };
  }

  async upload(accountId: string, data: Buffer, type: string): Promise<string> {
    const response = await this.fetch('upload', `/internal/blobs/${encodeURIComponent(accountId)}`, {
      // Storing the same bytes twice only stores one blob: a dropped upload may be sent again.
      idempotent: true,
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-pushmail-blob-type': type },
      body: data,
    });
    if (!ok(response)) throw await failure(response);
    const body: unknown = await response.body.json().catch(() => undefined);
    const blobId = isObject(body) ? body['blobId'] : undefined;
    if (typeof blobId !== 'string') throw new MailboxError('failed', 'mailbox answered a malformed upload');
    return blobId;
  }

  /**
   * One request to mailbox. A read (`idempotent`) whose connection is dropped under it is sent once
   * more: the pooled keep-alive socket mailbox closed is gone, and the retry opens a fresh one. A
   * write is never sent twice; its dropped connection reaches the caller as `connectionLost`.
   */
  private async fetch(
    endpoint: 'jmap' | 'blob' | 'upload',
    path: string,
    init: { idempotent: boolean; method: string; headers: Record<string, string>; body?: string | Buffer },
  ): Promise<Reply> {
    try {
      this.metrics.mailboxRequests.inc({ endpoint });
      return await this.fetchOnce(path, init);
    } catch (error) {
      if (!init.idempotent || !(error instanceof MailboxError) || !error.connectionLost) throw error;
      this.metrics.mailboxRequests.inc({ endpoint });
      return this.fetchOnce(path, init);
    }
  }

  private async fetchOnce(
    path: string,
    init: { method: string; headers: Record<string, string>; body?: string | Buffer },
  ): Promise<Reply> {
    try {
      return await this.pool.request({
        path: `${this.basePath}${path}`,
        method: init.method as Dispatcher.HttpMethod,
        headers: { ...init.headers, authorization: this.authorization },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.config.MAILBOX_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new MailboxError(
          'failed',
          `mailbox did not answer within ${this.config.MAILBOX_TIMEOUT_MS} ms`,
          false,
          true,
        );
      }
      const code = requestErrorCode(error);
      throw new MailboxError(
        code && UNREACHABLE_CODES.has(code) ? 'unavailable' : 'failed',
        `mailbox unreachable (${code ?? 'network error'})`,
        code !== undefined && DROPPED.has(code),
      );
    }
  }
}

function ok(response: Reply): boolean {
  return response.statusCode >= 200 && response.statusCode < 300;
}

function header(response: Reply, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function failure(response: Reply): Promise<MailboxError> {
  await response.body.dump().catch(() => undefined);
  return new MailboxError(
    response.statusCode === 502 || response.statusCode === 503 ? 'unavailable' : 'failed',
    `mailbox answered HTTP ${response.statusCode}`,
  );
}

/** The arguments of the answer to call `callId`; a method error becomes a `MethodFailedError`. */
export function answerOf(responses: Invocation[], callId: string): Record<string, unknown> {
  const answer = responses.find((invocation) => invocation[2] === callId);
  if (!answer) throw new MailboxError('failed', `mailbox gave no answer to ${callId}`);
  if (answer[0] === 'error') {
    const type =
      isObject(answer[1]) && typeof answer[1]['type'] === 'string' ? answer[1]['type'] : 'serverFail';
    throw new MethodFailedError(callId, type);
  }
  return answer[1];
}
