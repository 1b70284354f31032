import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config/registry-config.js';

/**
 * Admits a request carrying `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are reduced to
 * SHA-256 digests first, so the comparison takes the same time whatever the length or content
 * of what was presented.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expectedDigest: Buffer;

  constructor(@Inject(REGISTRY_CONFIG) config: Pick<RegistryConfig, 'ADMIN_TOKEN'>) {
    this.expectedDigest = digest(config.ADMIN_TOKEN);
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
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    const presented = match?.[1] ?? '';
    // Compare even when nothing usable was sent, so a missing header costs the same as a wrong one.
    const equal = timingSafeEqual(digest(presented), this.expectedDigest);
    return equal && presented.length > 0;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
