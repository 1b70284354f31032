import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake upstream received, with its whole body. */
export interface UpstreamRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface FakeUpstreamOptions {
  /**
   * device-registry's answer to a token check of `tokenSha256`; without one, every token is one it
   * does not know or has revoked.
   */
  tokenCheck?: (tokenSha256: string, request: UpstreamRequest, response: ServerResponse) => void;
  /** mailbox's answer to every request that is not device-registry's. */
  mailbox: (request: UpstreamRequest, response: ServerResponse) => void;
  /** When given, a request that does not carry it as its Bearer token is refused with a bare 401. */
  internalToken?: string;
}

/**
 * device-registry's and mailbox's internal APIs as push-delivery calls them, on one loopback
 * server (push-delivery's REGISTRY_URL and MAILBOX_URL): token checks are answered by
 * `tokenCheck`, device activity is acknowledged, and everything else goes to `mailbox`.
 */
export class FakeUpstream {
  /** Every request received, in order. */
  readonly requests: UpstreamRequest[] = [];
  private readonly server: Server;
  private baseUrl = '';

  private constructor(private readonly options: FakeUpstreamOptions) {
    this.server = createServer((incoming, response) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      incoming.on('end', () =>
        this.answer(
          {
            method: incoming.method ?? 'GET',
            url: incoming.url ?? '',
            authorization: incoming.headers.authorization,
            body,
          },
          response,
        ),
      );
    });
  }

  static async start(options: FakeUpstreamOptions): Promise<FakeUpstream> {
    const upstream = new FakeUpstream(options);
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    upstream.baseUrl = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
    return upstream;
  }

  /** Where push-delivery reaches both APIs. */
  get url(): string {
    return this.baseUrl;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: UpstreamRequest, response: ServerResponse): void {
    this.requests.push(request);
    const { internalToken, tokenCheck, mailbox } = this.options;
    if (internalToken !== undefined && request.authorization !== `Bearer ${internalToken}`) {
      response.writeHead(401).end();
      return;
    }
    if (request.url === '/internal/v1/devices/token-checks') {
      const { tokenSha256 } = JSON.parse(request.body) as { tokenSha256: string };
      if (tokenCheck) tokenCheck(tokenSha256, request, response);
      else refuseToken(response);
      return;
    }
    if (request.url === '/internal/v1/devices/activity') {
      answerJson(response, 200, { updated: 0 });
      return;
    }
    mailbox(request, response);
  }
}

export function answerJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** device-registry's answer to a token it does not know or has revoked. */
export function refuseToken(response: ServerResponse): void {
  answerJson(response, 401, { error: 'invalid_token', message: 'unknown or revoked device token' });
}

/** mailbox's answer to a forwarded JMAP request: every method call back as its own response. */
export function echoMethodCalls(methodCalls: unknown[][]): {
  methodResponses: unknown[][];
  sessionState: string;
} {
  return {
    methodResponses: methodCalls.map(([name, args, callId]) => [name, args, callId]),
    sessionState: 'from-mailbox',
  };
}
