import { Controller, HttpCode, Inject, Optional, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_CORE_LIMITS, parseRequestBody, requestError, type Invocation } from '@pushmail/jmap';
import { ProblemException, readBody } from '@pushmail/platform';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import {
  requestTrail,
  TrailsJmapMethods,
  type RequestOutcome,
  sendsTrail,
  withSends,
} from '../trail/request-trail.js';
import { DeviceTrail } from '@pushmail/edge';
import { JmapExecutor } from './jmap-executor.service.js';

/** JMAP over HTTP (RFC 8620 §3.1): one request per POST. */
@Controller('jmap')
@UseGuards(DeviceAuthGuard)
export class JmapApiController {
  constructor(
    @Inject(JmapExecutor) private readonly executor: JmapExecutor,
    @Optional() @Inject(DeviceTrail) private readonly trail?: DeviceTrail,
  ) {}

  @Post('api')
  @HttpCode(200)
  @TrailsJmapMethods()
  async api(
    @CurrentDevice() device: AuthenticatedDevice,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    this.executor.received('http');
    const started = performance.now();
    // Recorded once answered, by method name, as over the WebSocket.
    const answered = (methodCalls: readonly Invocation[], outcome: RequestOutcome): void =>
      this.trail?.record(device.accountId, {
        deviceId: device.deviceId,
        kind: 'request',
        request: requestTrail(methodCalls, outcome, performance.now() - started),
        ...withSends(sendsTrail(methodCalls, outcome)),
      });
    const body = await readBody(request, DEFAULT_CORE_LIMITS.maxSizeRequest);
    if (!body) {
      // The rest of an oversized body is never read, so the connection cannot be reused.
      response.setHeader('connection', 'close');
      const problem = requestError(
        'limit',
        `the request is over maxSizeRequest (${DEFAULT_CORE_LIMITS.maxSizeRequest} bytes)`,
        'maxSizeRequest',
      );
      answered([], { ok: false, problem });
      throw new ProblemException(problem);
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      const problem = requestError(
        'notJSON',
        'the request must have Content-Type: application/json (RFC 8620 §3.1)',
      );
      answered([], { ok: false, problem });
      throw new ProblemException(problem);
    }
    const parsed = parseRequestBody(body, DEFAULT_CORE_LIMITS);
    if (!parsed.ok) {
      answered([], parsed);
      throw new ProblemException(parsed.problem);
    }
    const result = await this.executor.execute(device, parsed.request);
    answered(parsed.request.methodCalls, result);
    if (!result.ok) throw new ProblemException(result.problem);
    writeJson(response, result.response);
  }
}

/**
 * `application/json`, in UTF-8 if a charset is given. Anything else is refused before it is parsed:
 * a web page can send `text/plain`, a form or a typeless body across origins without asking
 * (no CORS preflight), with whatever Basic credentials the browser holds for this server; it
 * cannot send `application/json` without the preflight this server never grants.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name, value] = parameter.split('=', 2).map((part) => part.trim().replace(/^"|"$/g, ''));
    return name !== 'charset' || value === 'utf-8' || value === 'utf8';
  });
}

/**
 * The answer to every JMAP API call, written straight to the socket: on this path the framework's
 * serialisation and ETag hashing would cost more than the answer. Problems go through the filter.
 */
function writeJson(response: ServerResponse, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.statusCode = 200;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', bytes.length);
  response.setHeader('cache-control', 'no-store');
  response.end(bytes);
}
