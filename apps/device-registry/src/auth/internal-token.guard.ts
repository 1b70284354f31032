import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { BearerTokenMatcher } from '@pushmail/platform';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config/registry-config.js';

/** Admits service-to-service calls carrying `Authorization: Bearer <INTERNAL_TOKEN>`. */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly matcher: BearerTokenMatcher | undefined;

  constructor(@Inject(REGISTRY_CONFIG) config: Pick<RegistryConfig, 'INTERNAL_TOKEN'>) {
    this.matcher = config.INTERNAL_TOKEN === undefined ? undefined : new BearerTokenMatcher(config.INTERNAL_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.matcher) {
      throw new ServiceUnavailableException({
        error: 'internal_api_disabled',
        message: 'INTERNAL_TOKEN is not configured on device-registry',
      });
    }
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.matcher.admits(request.headers.authorization)) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'a valid internal bearer token is required',
      });
    }
    return true;
  }
}
