import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { OPERATIONS_LOGGER } from '../config/operations-config.js';
import { describeError } from './describe-error.js';

export interface JsonResponse {
  headersSent: boolean;
  status(code: number): JsonResponse;
  json(body: unknown): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * Every error answer is a JSON object with an `error` code. Unexpected errors are logged through
 * `describeError` only: the raw error of a failed query carries its parameters.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(@Inject(OPERATIONS_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (!response.headersSent) {
        const retryAfter = (exception as { retryAfterSeconds?: unknown }).retryAfterSeconds;
        if (typeof retryAfter === 'number') response.setHeader?.('Retry-After', String(retryAfter));
        response.status(exception.getStatus()).json(typeof body === 'string' ? { error: body } : body);
      }
      return;
    }
    this.logger.error({ error: describeError(exception) }, 'unexpected error while serving a request');
    if (!response.headersSent) response.status(500).json({ error: 'internal_error' });
  }
}
