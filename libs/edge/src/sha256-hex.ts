import { createHash } from 'node:crypto';

/**
 * SHA-256 of `value` (UTF-8), in hex. A device token is stored and published as this digest of the
 * whole token, prefix included (DeviceCredentialsV1's tokenSha256): device-registry computes it when
 * it issues a token, the device edges when one is presented, so they all compute it here.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
