import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { MAILBOX_CONFIG, type MailboxConfig } from '../config/mailbox-config.js';

/**
 * Admits internal callers carrying `Authorization: Bearer <INTERNAL_TOKEN>`. Both sides are
 * reduced to SHA-256 digests first, so the comparison takes the same time whatever the length
 * or content of what was presented.
 */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly expectedDigest: Buffer;

  constructor(@Inject(MAILBOX_CONFIG) config: Pick<MailboxConfig, 'INTERNAL_TOKEN'>) {
    this.expectedDigest = digest(config.INTERNAL_TOKEN);
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
