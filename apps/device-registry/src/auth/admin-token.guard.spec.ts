import type { ExecutionContext } from '@nestjs/common';
import { UnauthorizedException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AdminTokenGuard } from './admin-token.guard.js';

const ADMIN_TOKEN = 'admin-token-of-at-least-24-characters';

function contextWith(headers: Record<string, string>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

describe(AdminTokenGuard.name, () => {
  const guard = new AdminTokenGuard({ ADMIN_TOKEN });

  it('admits the configured bearer token', () => {
    expect(guard.canActivate(contextWith({ authorization: `Bearer ${ADMIN_TOKEN}` }))).toBe(true);
  });

  it('accepts the scheme name in any case', () => {
    expect(guard.admits(`bearer ${ADMIN_TOKEN}`)).toBe(true);
  });

  it('rejects a request without an authorization header', () => {
    expect(() => guard.canActivate(contextWith({}))).toThrow(UnauthorizedException);
  });

  it('rejects a wrong token, a prefix of the token and the token with extra characters', () => {
    expect(guard.admits('Bearer wrong-token-of-at-least-24-chars')).toBe(false);
    expect(guard.admits(`Bearer ${ADMIN_TOKEN.slice(0, -1)}`)).toBe(false);
    expect(guard.admits(`Bearer ${ADMIN_TOKEN}x`)).toBe(false);
  });

  it('rejects the token under another scheme or without a scheme', () => {
    expect(guard.admits(`Basic ${ADMIN_TOKEN}`)).toBe(false);
    expect(guard.admits(ADMIN_TOKEN)).toBe(false);
    expect(guard.admits('Bearer ')).toBe(false);
  });

  it('answers 401 with a JSON error and without echoing what was sent', () => {
    let caught: unknown;
    try {
      guard.canActivate(contextWith({ authorization: 'Bearer leaked-guess-value-123456' }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnauthorizedException);
    const exception = caught as UnauthorizedException;
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      error: 'unauthorized',
      message: 'a valid admin bearer token is required',
    });
    expect(JSON.stringify(exception.getResponse())).not.toContain('leaked-guess');
  });
});
