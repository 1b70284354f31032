import type { NestExpressApplication } from '@nestjs/platform-express';
import type { JsonResponse } from './json-exception.filter.js';

const BODY_LIMIT = '64kb';

/**
 * The JSON body parser with an error handler right behind it. Body parser errors happen before
 * Nest's routing, so Nest's exception filters never see them; without this, a malformed body
 * would get Express's HTML error page.
 */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(rejectUnreadableBody);
}

export function rejectUnreadableBody(
  error: unknown,
  _request: unknown,
  response: JsonResponse,
  next: (error?: unknown) => void,
): void {
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500 || response.headersSent) {
    next(error);
    return;
  }
  const type = (error as { type?: unknown }).type;
  response.status(status).json(describeBodyError(status, typeof type === 'string' ? type : undefined));
}

function describeBodyError(status: number, type: string | undefined): { error: string; message: string } {
  switch (type) {
    case 'entity.parse.failed':
      return { error: 'invalid_request', message: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return { error: 'payload_too_large', message: `the request body is larger than ${BODY_LIMIT}` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { error: 'unsupported_media_type', message: 'the request body must be UTF-8 JSON' };
    default:
      return {
        error: status === 413 ? 'payload_too_large' : 'invalid_request',
        message: 'the request body could not be read',
      };
  }
}
