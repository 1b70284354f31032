import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_CORE_LIMITS, type ProblemDetails, requestError } from '@pushmail/jmap';

/** A JMAP request may be up to maxSizeRequest; the envelope around it adds a little. */
const BODY_LIMIT_BYTES = DEFAULT_CORE_LIMITS.maxSizeRequest + 64 * 1024;

interface ProblemResponse {
  headersSent: boolean;
  status(code: number): ProblemResponse;
  type(value: string): ProblemResponse;
  json(body: unknown): void;
}

/**
 * The JSON body parser with an error handler right behind it. Body parser errors happen before
 * Nest's routing, so Nest's exception filters never see them; without this, a malformed body
 * would get Express's HTML error page instead of a JMAP problem.
 */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.use(rejectUnreadableBody);
}

export function rejectUnreadableBody(
  error: unknown,
  _request: unknown,
  response: ProblemResponse,
  next: (error?: unknown) => void,
): void {
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500 || response.headersSent) {
    next(error);
    return;
  }
  const type = (error as { type?: unknown }).type;
  const problem: ProblemDetails =
    type === 'entity.too.large'
      ? requestError('limit', `the request is larger than maxSizeRequest`, 'maxSizeRequest')
      : type === 'entity.parse.failed'
        ? requestError('notJSON', 'the request body is not valid JSON')
        : requestError('notRequest', 'the request body could not be read');
  response.status(problem.status).type('application/problem+json').json(problem);
}
