import type { ExecutionContext } from '@nestjs/common';
import { ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { BearerTokenGuard } from './bearer-token.guard.js';

const ADMIN_TOKEN = 'admin-token-of-at-least-24-characters';

function contextWith(headers: Record<string, string>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

describe(BearerTokenGuard.name, () => {
  const guard = new BearerTokenGuard(
    { ADMIN_TOKEN },
    { token: 'ADMIN_TOKEN', audience: 'admin' },
    'registry',
  );

  it('admits the configured bearer token', () => {
    expect(guard.canActivate(contextWith({ authorization: `Bearer ${ADMIN_TOKEN}` }))).toBe(true);
  });

  it('accepts the scheme name in any case', () => {
    expect(guard.admits(`bearer ${ADMIN_TOKEN}`)).toBe(true);
  });

  it('rejects a request without an authorization header', () => {
    expect(() => guard.canActivate(contextWith({}))).toThrow(UnauthorizedException);
    expect(guard.admits(undefined)).toBe(false);
    expect(guard.admits('')).toBe(false);
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

  it('answers 401 with a JSON error naming the audience and without echoing what was sent', () => {
    const caught = thrownBy(() =>
      guard.canActivate(contextWith({ authorization: 'Bearer leaked-guess-value-123456' })),
    );
    expect(caught).toBeInstanceOf(UnauthorizedException);
    const exception = caught as UnauthorizedException;
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      error: 'unauthorized',
      message: 'a valid admin bearer token is required',
    });
    expect(JSON.stringify(exception.getResponse())).not.toContain('leaked-guess');
  });

  it('answers 503 when its optional token is not configured, whatever is presented', () => {
    const disabled = new BearerTokenGuard({}, { token: 'INTERNAL_TOKEN', audience: 'internal' }, 'registry');
    const caught = thrownBy(() =>
      disabled.canActivate(contextWith({ authorization: 'Bearer anything-at-all' })),
    );
    expect(caught).toBeInstanceOf(ServiceUnavailableException);
    expect((caught as ServiceUnavailableException).getResponse()).toEqual({
      error: 'internal_api_disabled',
      message: 'INTERNAL_TOKEN is not configured on registry',
    });
    expect(disabled.admits('Bearer anything-at-all')).toBe(false);
  });

  it('makes one injectable guard class per token, reading it from the service config', () => {
    const InternalGuard = BearerTokenGuard.for({ token: 'INTERNAL_TOKEN', audience: 'internal' });
    const internal = new InternalGuard({ INTERNAL_TOKEN: ADMIN_TOKEN }, 'mailbox');
    expect(internal).toBeInstanceOf(BearerTokenGuard);
    expect(internal.admits(`Bearer ${ADMIN_TOKEN}`)).toBe(true);
    expect(InternalGuard.name).toBe('BearerTokenGuard(INTERNAL_TOKEN)');
    const caught = thrownBy(() => internal.canActivate(contextWith({})));
    expect((caught as UnauthorizedException).getResponse()).toMatchObject({
      message: 'a valid internal bearer token is required',
    });
  });
});
