import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { pushedTypeNames, type PushedTypeName } from '@pushmail/contracts';
import {
  isObject,
  type Invocation,
  type JmapRequest,
  type MailboxLimits,
  type ProblemDetails,
  REQUEST_ERROR_PREFIX,
} from '@pushmail/jmap';
import { requestErrorCode, UNREACHABLE_CODES } from '@pushmail/edge';
import { CONFIG, currentRequestSignal } from '@pushmail/platform';
import { Pool, type Dispatcher } from 'undici';
import type { PushConfig } from '../config/push-config.js';

export interface MailboxResponse {
  methodResponses: Invocation[];
  sessionState: string;
  createdIds?: Record<string, string>;
}

export interface AccountPushState {
  /** The account's overall state: the push state devices resume from. */
  state: string;
  changed: Partial<Record<PushedTypeName, string>>;
}

/**
 * Why mailbox gave no answer. `unavailable`: the request never got there or mailbox refused it
 * for a passing reason, so retrying later is safe. `failed`: it may have run (a timeout) or
 * mailbox answered something unusable; the call's effect is unknown.
 */
export class MailboxError extends Error {
  override readonly name = 'MailboxError';
  constructor(
    readonly kind: 'unavailable' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * mailbox refused the request as a whole with a JMAP request-level problem (a request over its
 * budget): the device gets that problem, not an error per call.
 */
export class MailboxRefusedRequest extends Error {
  override readonly name = 'MailboxRefusedRequest';
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
  }
}

/** What the edge knows of the caller that mailbox does not: the account's address (Identity/get). */
export interface CallerInfo {
  address?: string;
}

/** The calls push-delivery makes to mailbox, also implemented by fakes in tests. */
export interface MailboxApi {
  execute(accountId: string, request: JmapRequest, caller?: CallerInfo): Promise<MailboxResponse>;
  /** The push state and type states; with `since` (a push state), only the types changed after it. */
  accountState(accountId: string, since?: string): Promise<AccountPushState>;
}

/**
 * mailbox's internal JMAP endpoint over HTTP: kept-alive sockets through undici's own request API,
 * as activesync calls it. The global `fetch` builds a WHATWG Request, Response, Headers and body
 * stream for every call, once per device fetch. As with the global dispatcher, the pool opens as
 * many sockets as there are requests waiting.
 */
@Injectable()
export class MailboxClient implements MailboxApi, OnApplicationShutdown {
  private readonly authorization: string;
  private readonly pool: Pool;
  /** MAILBOX_URL's path, before the endpoint's (empty when mailbox is served at the root). */
  private readonly basePath: string;

  constructor(@Inject(CONFIG) private readonly config: PushConfig) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
    const url = new URL(config.MAILBOX_URL);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  async execute(accountId: string, request: JmapRequest, caller: CallerInfo = {}): Promise<MailboxResponse> {
    const body = await this.call('/internal/jmap', {
      method: 'POST',
      body: JSON.stringify({ accountId, request, ...(caller.address ? { address: caller.address } : {}) }),
    });
    if (
      !isObject(body) ||
      !isInvocationList(body['methodResponses']) ||
      typeof body['sessionState'] !== 'string'
    ) {
      throw new MailboxError('failed', 'mailbox answered a malformed JMAP response');
    }
    const createdIds = body['createdIds'];
    return {
      methodResponses: body['methodResponses'],
      sessionState: body['sessionState'],
      ...(isStringRecord(createdIds) ? { createdIds } : {}),
    };
  }

  async accountState(accountId: string, since?: string): Promise<AccountPushState> {
    const query = since === undefined ? '' : `?since=${encodeURIComponent(since.slice(0, 64))}`;
    const body = await this.call(`/internal/jmap/state/${encodeURIComponent(accountId)}${query}`, {
      method: 'GET',
    });
    if (!isObject(body) || typeof body['state'] !== 'string' || !isObject(body['changed'])) {
      throw new MailboxError('failed', 'mailbox answered a malformed account state');
    }
    const changed: Partial<Record<PushedTypeName, string>> = {};
    for (const type of pushedTypeNames) {
      const value = body['changed'][type];
      if (typeof value === 'string') changed[type] = value;
    }
    return { state: body['state'], changed };
  }

  /** The limits mailbox enforces that the session advertises (`GET /internal/jmap/limits`). */
  async limits(): Promise<MailboxLimits> {
    const body = await this.call('/internal/jmap/limits', { method: 'GET' });
    const hold =
      isObject(body) && isObject(body['submission']) ? body['submission']['maxHoldSeconds'] : undefined;
    if (typeof hold !== 'number' || !Number.isSafeInteger(hold) || hold < 0) {
      throw new MailboxError('failed', 'mailbox answered malformed limits');
    }
    return { submission: { maxHoldSeconds: hold } };
  }

  private async call(path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<unknown> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({
        path: `${this.basePath}${path}`,
        method: init.method,
        headers: {
          authorization: this.authorization,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: signalFor(this.config.MAILBOX_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') {
        // The device went away: mailbox sees the connection close and cancels what it was running.
        throw new MailboxError('failed', 'the device left before mailbox answered');
      }
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new MailboxError(
          'failed',
          `mailbox did not answer within ${this.config.MAILBOX_TIMEOUT_MS} ms`,
        );
      }
      const code = requestErrorCode(error);
      throw new MailboxError(
        code && UNREACHABLE_CODES.has(code) ? 'unavailable' : 'failed',
        `mailbox unreachable (${code ?? String(error)})`,
      );
    }
    const status = response.statusCode;
    if (status === 400 && path === '/internal/jmap') {
      const problem = await jmapProblemOf(response);
      if (problem) throw new MailboxRefusedRequest(problem);
    }
    if (status < 200 || status >= 300) {
      await response.body.dump().catch(() => undefined);
      throw new MailboxError(
        status === 503 || status === 502 ? 'unavailable' : 'failed',
        `mailbox answered HTTP ${status}`,
      );
    }
    try {
      return await response.body.json();
    } catch {
      throw new MailboxError('failed', 'mailbox answered something that is not JSON');
    }
  }
}

/** Ends with the timeout, or earlier with the request being served (the device hung up). */
function signalFor(timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  const request = currentRequestSignal();
  return request ? AbortSignal.any([timeout, request]) : timeout;
}

async function jmapProblemOf(response: Dispatcher.ResponseData): Promise<ProblemDetails | undefined> {
  const body: unknown = await response.body.json().catch(() => undefined);
  if (
    !isObject(body) ||
    typeof body['type'] !== 'string' ||
    !body['type'].startsWith(REQUEST_ERROR_PREFIX) ||
    typeof body['detail'] !== 'string'
  ) {
    return undefined;
  }
  return {
    type: body['type'] as ProblemDetails['type'],
    status: 400,
    detail: body['detail'],
    ...(typeof body['limit'] === 'string' ? { limit: body['limit'] } : {}),
  };
}

function isInvocationList(value: unknown): value is Invocation[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        Array.isArray(item) &&
        item.length === 3 &&
        typeof item[0] === 'string' &&
        isObject(item[1]) &&
        typeof item[2] === 'string',
    )
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((item) => typeof item === 'string');
}
