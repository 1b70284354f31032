import { DEFAULT_CORE_LIMITS, requestError } from '@pushmail/jmap';
import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { mailboxConfigSchema } from './config/mailbox-config.js';

/** A JMAP request may be up to maxSizeRequest; the envelope around it adds a little. */
const BODY_LIMIT_BYTES = DEFAULT_CORE_LIMITS.maxSizeRequest + 64 * 1024;

export const mailboxService: ServiceDefinition<typeof mailboxConfigSchema> = {
  name: 'mailbox',
  configSchema: mailboxConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'MAILBOX_HTTP_PORT',
  http: {
    json: {
      limit: BODY_LIMIT_BYTES,
      // A body the parser refuses is a JMAP request-level problem, as any other bad request.
      describe: (_status, type) => {
        const problem =
          type === 'entity.too.large'
            ? requestError('limit', 'the request is larger than maxSizeRequest', 'maxSizeRequest')
            : type === 'entity.parse.failed'
              ? requestError('notJSON', 'the request body is not valid JSON')
              : requestError('notRequest', 'the request body could not be read');
        return {
          status: problem.status,
          body: problem,
          contentType: 'application/problem+json; charset=utf-8',
        };
      },
    },
  },
};
