import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_PREFIX, issueDeviceToken } from './device-token.js';

describe(issueDeviceToken.name, () => {
  it('issues a prefixed base64url token carrying 32 random bytes', () => {
    const { token } = issueDeviceToken();
    expect(token.startsWith(DEVICE_TOKEN_PREFIX)).toBe(true);
    const body = token.slice(DEVICE_TOKEN_PREFIX.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
  });

  it('returns the SHA-256 hex digest of the whole token', () => {
    const { token, sha256 } = issueDeviceToken();
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('never issues the same token twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => issueDeviceToken().token));
    expect(tokens.size).toBe(200);
  });
});
