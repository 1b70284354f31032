import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { BearerTokenMatcher } from '@pushmail/platform';
import { OPERATIONS_CONFIG, type OperationsConfig } from '../config/operations-config.js';

/** Admits a request carrying `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly matcher: BearerTokenMatcher;

  constructor(@Inject(OPERATIONS_CONFIG) config: Pick<OperationsConfig, 'ADMIN_TOKEN'>) {
    this.matcher = new BearerTokenMatcher(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.admits(request.headers.authorization)) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'a valid admin bearer token is required',
      });
    }
    return true;
  }

  admits(authorization: string | undefined): boolean {
    return this.matcher.admits(authorization);
  }
}
