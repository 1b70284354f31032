import { Controller, HttpCode, Inject, Optional, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DEFAULT_CORE_LIMITS,
  parseRequestBody,
  requestError,
  type Invocation,
  type ProblemDetails,
} from '@pushmail/jmap';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import { requestTrail, TrailsJmapMethods, type RequestOutcome } from '../trail/request-trail.js';
import { DeviceTrail } from '../trail/trail.service.js';
import { JmapExecutor } from './jmap-executor.service.js';
import { readBody } from '@pushmail/platform';

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
      sendProblem(response, problem);
      return answered([], { ok: false, problem });
    }
    const parsed = parseRequestBody(body, DEFAULT_CORE_LIMITS);
    if (!parsed.ok) {
      sendProblem(response, parsed.problem);
      return answered([], parsed);
    }
    const result = await this.executor.execute(device, parsed.request);
    if (result.ok) sendJson(response, 200, 'application/json', result.response);
    else sendProblem(response, result.problem);
    answered(parsed.request.methodCalls, result);
  }
}

function sendProblem(response: ServerResponse, problem: ProblemDetails): void {
  if (problem.retryAfterMs !== undefined) {
    response.setHeader('retry-after', String(Math.max(1, Math.ceil(problem.retryAfterMs / 1000))));
  }
  sendJson(response, problem.status, 'application/problem+json', problem);
}

function sendJson(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.statusCode = status;
  response.setHeader('content-type', `${contentType}; charset=utf-8`);
  response.setHeader('content-length', bytes.length);
  response.setHeader('cache-control', 'no-store');
  response.end(bytes);
}
