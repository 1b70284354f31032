import { Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_CORE_LIMITS, parseRequestBody, requestError, type ProblemDetails } from '@pushmail/jmap';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import { JmapExecutor } from './jmap-executor.service.js';
import { readBody } from '@pushmail/platform';

/** JMAP over HTTP (RFC 8620 §3.1): one request per POST. */
@Controller('jmap')
@UseGuards(DeviceAuthGuard)
export class JmapApiController {
  constructor(@Inject(JmapExecutor) private readonly executor: JmapExecutor) {}

  @Post('api')
  @HttpCode(200)
  async api(
    @CurrentDevice() device: AuthenticatedDevice,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    this.executor.received('http');
    const body = await readBody(request, DEFAULT_CORE_LIMITS.maxSizeRequest);
    if (!body) {
      // The rest of an oversized body is never read, so the connection cannot be reused.
      response.setHeader('connection', 'close');
      sendProblem(
        response,
        requestError(
          'limit',
          `the request is over maxSizeRequest (${DEFAULT_CORE_LIMITS.maxSizeRequest} bytes)`,
          'maxSizeRequest',
        ),
      );
      return;
    }
    const parsed = parseRequestBody(body, DEFAULT_CORE_LIMITS);
    if (!parsed.ok) return sendProblem(response, parsed.problem);
    const result = await this.executor.execute(device, parsed.request);
    if (!result.ok) return sendProblem(response, result.problem);
    sendJson(response, 200, 'application/json', result.response);
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
