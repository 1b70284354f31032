import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config/registry-config.js';

/**
 * Admits service-to-service calls carrying `Authorization: Bearer <INTERNAL_TOKEN>`, compared
 * through SHA-256 digests so the time taken tells nothing about the token.
 */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(@Inject(REGISTRY_CONFIG) config: Pick<RegistryConfig, 'INTERNAL_TOKEN'>) {
    this.expectedDigest = config.INTERNAL_TOKEN === undefined ? undefined : digest(config.INTERNAL_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedDigest) {
      throw new ServiceUnavailableException({
        error: 'internal_api_disabled',
        message: 'INTERNAL_TOKEN is not configured on device-registry',
      });
    }
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const presented = match?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), this.expectedDigest) || presented.length === 0) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'a valid internal bearer token is required',
      });
    }
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
