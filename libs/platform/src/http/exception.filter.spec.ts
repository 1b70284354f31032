import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { type ErrorResponse, HttpExceptionFilter, ProblemException } from './exception.filter.js';

function recordingResponse(headersSent = false) {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const response: ErrorResponse = {
    headersSent,
    status(code) {
      sent.status = code;
      return response;
    },
    setHeader(name, value) {
      sent.headers[name.toLowerCase()] = value;
    },
    json(body) {
      sent.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  return { host, sent };
}

function recordingLogger() {
  const logged: unknown[] = [];
  const logger = { error: (object: unknown) => logged.push(object) } as unknown as Logger;
  return { logger, logged };
}

describe(HttpExceptionFilter.name, () => {
  it('answers an HttpException with its status and body', () => {
    const { host, sent } = recordingResponse();
    const filter = new HttpExceptionFilter(recordingLogger().logger);
    filter.catch(new NotFoundException({ error: 'account_not_found', message: 'no account x' }), host);
    expect(sent).toEqual({
      status: 404,
      body: { error: 'account_not_found', message: 'no account x' },
      headers: {},
    });
  });

  it('wraps a string body as { error } and sets Retry-After from the exception', () => {
    const { host, sent } = recordingResponse();
    const locked = Object.assign(new HttpException('account_locked', 423), { retryAfterSeconds: 30 });
    new HttpExceptionFilter(recordingLogger().logger).catch(locked, host);
    expect(sent).toEqual({
      status: 423,
      body: { error: 'account_locked' },
      headers: { 'retry-after': '30' },
    });
  });

  it('answers a problem body as application/problem+json, its retryAfterMs as Retry-After', () => {
    const { host, sent } = recordingResponse();
    const problem = {
      type: 'urn:ietf:params:jmap:error:limit',
      status: 429,
      detail: 'slow down',
      retryAfterMs: 1500,
    };
    new HttpExceptionFilter(recordingLogger().logger).catch(new ProblemException(problem), host);
    expect(sent.status).toBe(429);
    expect(sent.body).toEqual(problem);
    expect(sent.headers).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': '2',
    });
  });

  it('answers anything else with a bare 500 and logs only the type, message and code', () => {
    const { host, sent } = recordingResponse();
    const { logger, logged } = recordingLogger();
    const failure = Object.assign(new Error('insert failed'), { code: '23505', parameters: ['secret-hash'] });
    new HttpExceptionFilter(logger).catch(failure, host);
    expect(sent).toEqual({ status: 500, body: { error: 'internal_error' }, headers: {} });
    expect(logged).toEqual([{ error: { type: 'Error', message: 'insert failed', code: '23505' } }]);
    expect(JSON.stringify(logged)).not.toContain('secret-hash');
  });

  it('leaves a response alone once its headers are sent', () => {
    const { host, sent } = recordingResponse(true);
    new HttpExceptionFilter(recordingLogger().logger).catch(new BadRequestException({ error: 'x' }), host);
    expect(sent).toEqual({ headers: {} });
  });
});
