import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { LOGGER } from '../config/config.module.js';
import { HttpExceptionFilter } from './exception.filter.js';
import { requestSignalScope } from './request-signal.js';

/** The answer to a request body the JSON parser refused. */
export interface BodyRejection {
  status: number;
  body: unknown;
  contentType?: string;
}

/** Why the parser refused: `entity.parse.failed`, `entity.too.large`, `charset.unsupported`, ... */
export type DescribeBodyError = (status: number, type: string | undefined) => BodyRejection;

export interface HttpOptions {
  /**
   * JSON request bodies, up to `limit` bytes, refused as `describe` says. Absent: no body parser
   * at all, for a service whose routes read their own bytes.
   */
  json?: { limit: number; describe?: DescribeBodyError };
}

/**
 * The one HTTP setup: no framework banner, the JSON body parser (if any) with its refusals answered
 * in JSON, every error answered by `HttpExceptionFilter`, and every request's work (its database
 * statements included) cancelled when its client goes away (`currentRequestSignal`).
 */
export function configureHttp(app: NestExpressApplication, options: HttpOptions = {}): void {
  app.disable('x-powered-by');
  if (options.json) {
    app.useBodyParser('json', { limit: options.json.limit });
    app.use(rejectUnreadableBody(options.json.describe ?? describeBodyError(options.json.limit)));
  }
  app.use(requestSignalScope);
  app.useGlobalFilters(new HttpExceptionFilter(app.get<Logger>(LOGGER)));
}

type ErrorMiddleware = (
  error: unknown,
  request: unknown,
  response: BodyErrorResponse,
  next: (error?: unknown) => void,
) => void;

export interface BodyErrorResponse {
  headersSent: boolean;
  status(code: number): BodyErrorResponse;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

/**
 * An error handler right behind the body parser. Body parser errors happen before Nest's
 * routing, so Nest's exception filters never see them; without this, a malformed body would get
 * Express's HTML error page.
 */
export function rejectUnreadableBody(describe: DescribeBodyError): ErrorMiddleware {
  return (error, _request, response, next) => {
    const status =
      typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
    if (typeof status !== 'number' || status < 400 || status >= 500 || response.headersSent) {
      next(error);
      return;
    }
    const type = (error as { type?: unknown }).type;
    const rejection = describe(status, typeof type === 'string' ? type : undefined);
    if (rejection.contentType) response.setHeader('Content-Type', rejection.contentType);
    response.status(rejection.status).json(rejection.body);
  };
}

/** `{ error, message }` answers, as every JSON API of the platform gives them. */
export function describeBodyError(limit: number): DescribeBodyError {
  return (status, type) => {
    switch (type) {
      case 'entity.parse.failed':
        return { status, body: { error: 'invalid_request', message: 'the request body is not valid JSON' } };
      case 'entity.too.large':
        return {
          status,
          body: {
            error: 'payload_too_large',
            message: `the request body is larger than ${formatBytes(limit)}`,
          },
        };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return {
          status,
          body: { error: 'unsupported_media_type', message: 'the request body must be UTF-8 JSON' },
        };
      default:
        return {
          status,
          body: {
            error: status === 413 ? 'payload_too_large' : 'invalid_request',
            message: 'the request body could not be read',
          },
        };
    }
  };
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}kb` : `${bytes} bytes`;
}
