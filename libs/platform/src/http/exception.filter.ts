import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../config/config.module.js';
import { describeError } from '../logging/logger.js';

/** The part of an Express response the error answers need. */
export interface ErrorResponse {
  headersSent: boolean;
  status(code: number): ErrorResponse;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

/** An RFC 7807 problem (a JMAP request-level error is one), answered as `application/problem+json`. */
export interface ProblemBody {
  type: string;
  status: number;
  retryAfterMs?: number;
}

/** Answers a problem: its status, its body, `application/problem+json`, never cached. */
export class ProblemException<P extends ProblemBody = ProblemBody> extends HttpException {
  constructor(readonly problem: P) {
    super(problem, problem.status);
  }
}

/**
 * Every error answer of every service. An HttpException answers its status with its body (an
 * object as it is, a string as `{ error }`); a problem body goes out as `application/problem+json`,
 * not to be cached.
 * A `Retry-After` comes from `retryAfterSeconds` on the exception or `retryAfterMs` in a problem.
 * Anything else is a 500 `{ error: 'internal_error' }`, logged through `describeError` only: the raw
 * error of a failed query carries its parameters.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ErrorResponse>();
    if (!(exception instanceof HttpException)) {
      this.logger.error({ error: describeError(exception) }, 'unexpected error while serving a request');
      if (!response.headersSent) response.status(500).json({ error: 'internal_error' });
      return;
    }
    if (response.headersSent) return;
    const body = exception.getResponse();
    const retryAfter = retryAfterSecondsOf(exception, body);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    if (isProblem(body)) {
      response.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
      response.setHeader('Cache-Control', 'no-store');
    }
    response.status(exception.getStatus()).json(typeof body === 'string' ? { error: body } : body);
  }
}

function isProblem(body: unknown): body is ProblemBody {
  if (typeof body !== 'object' || body === null) return false;
  const { type, status } = body as Partial<ProblemBody>;
  return typeof type === 'string' && typeof status === 'number';
}

function retryAfterSecondsOf(exception: HttpException, body: unknown): number | undefined {
  const seconds = (exception as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof seconds === 'number') return seconds;
  if (isProblem(body) && typeof body.retryAfterMs === 'number') {
    return Math.max(1, Math.ceil(body.retryAfterMs / 1000));
  }
  return undefined;
}
