import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { BearerTokenMatcher } from '@pushmail/platform';
import { MAILBOX_CONFIG, type MailboxConfig } from '../config/mailbox-config.js';

/** Admits internal callers carrying `Authorization: Bearer <INTERNAL_TOKEN>`. */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly matcher: BearerTokenMatcher;

  constructor(@Inject(MAILBOX_CONFIG) config: Pick<MailboxConfig, 'INTERNAL_TOKEN'>) {
    this.matcher = new BearerTokenMatcher(config.INTERNAL_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.admits(request.headers.authorization)) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'a valid internal bearer token is required',
      });
    }
    return true;
  }

  admits(authorization: string | undefined): boolean {
    return this.matcher.admits(authorization);
  }
}
