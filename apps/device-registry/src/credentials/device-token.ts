import { randomBytes } from 'node:crypto';
import { sha256Hex } from '@pushmail/edge';

export const DEVICE_TOKEN_PREFIX = 'pmd_';

/** 256 bits from the CSPRNG: a digest of it is safe to publish, it can never be guessed back. */
const TOKEN_BYTES = 32;

export interface IssuedDeviceToken {
  /** Handed to the device once; never stored. */
  token: string;
  sha256: string;
}

export function issueDeviceToken(): IssuedDeviceToken {
  const token = DEVICE_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, sha256: sha256Hex(token) };
}
