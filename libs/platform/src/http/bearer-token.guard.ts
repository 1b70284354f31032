import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { CONFIG, SERVICE_NAME } from '../config/config.module.js';
import { BearerTokenMatcher } from './bearer-token.js';

export interface BearerTokenGuardOptions {
  /** The config variable holding the token, e.g. `ADMIN_TOKEN`. */
  token: string;
  /** Who holds that token, for the 401 message: `admin`, `internal`. */
  audience: string;
}

/**
 * Admits a request carrying `Authorization: Bearer <token>`, the token being one config variable.
 * A wrong or missing token is a 401 that never echoes what was sent; an optional token that is not
 * configured turns the routes off with a 503. One guard class per token, made by `BearerTokenGuard.for`.
 */
export class BearerTokenGuard implements CanActivate {
  private readonly matcher: BearerTokenMatcher | undefined;

  constructor(
    config: Readonly<Record<string, unknown>>,
    private readonly options: BearerTokenGuardOptions,
    private readonly serviceName = 'this service',
  ) {
    const expected = config[options.token];
    this.matcher = typeof expected === 'string' ? new BearerTokenMatcher(expected) : undefined;
  }

  /** The guard for one token, injectable in `@UseGuards(...)`. */
  static for(options: BearerTokenGuardOptions): Type<BearerTokenGuard> {
    @Injectable()
    class TokenGuard extends BearerTokenGuard {
      constructor(
        @Inject(CONFIG) config: Record<string, unknown>,
        @Inject(SERVICE_NAME) serviceName: string,
      ) {
        super(config, options, serviceName);
      }
    }
    Object.defineProperty(TokenGuard, 'name', { value: `BearerTokenGuard(${options.token})` });
    return TokenGuard;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.matcher) {
      throw new ServiceUnavailableException({
        error: `${this.options.audience}_api_disabled`,
        message: `${this.options.token} is not configured on ${this.serviceName}`,
      });
    }
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.admits(request.headers.authorization)) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: `a valid ${this.options.audience} bearer token is required`,
      });
    }
    return true;
  }

  admits(authorization: string | undefined): boolean {
    return this.matcher?.admits(authorization) ?? false;
  }
}
