import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` against one configured secret. Both sides are reduced to
 * SHA-256 digests first, so the comparison takes the same time whatever the length or content of
 * what was presented, and a missing header costs the same as a wrong one.
 */
export class BearerTokenMatcher {
  private readonly expectedDigest: Buffer;

  constructor(expectedToken: string) {
    this.expectedDigest = sha256(expectedToken);
  }

  admits(authorization: string | undefined): boolean {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    const presented = match?.[1] ?? '';
    const equal = timingSafeEqual(sha256(presented), this.expectedDigest);
    return equal && presented.length > 0;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
