import { ForbiddenException, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { AccessDecision } from '../access/access-decision.js';

/** One answer for an unknown address and a wrong password: it must not reveal which addresses exist. */
export class InvalidCredentialsException extends UnauthorizedException {
  constructor() {
    super({ error: 'invalid_credentials' });
  }
}

/** The 404 of a request naming a device the account has no partnership with. */
export function deviceNotFound(deviceId: string): NotFoundException {
  return new NotFoundException({
    error: 'device_not_found',
    message: `the account has no device ${deviceId}`,
  });
}

export class AccountDisabledException extends ForbiddenException {
  constructor() {
    super({ error: 'account_disabled', message: 'this account is disabled; devices cannot be registered' });
  }
}

/** 429 with Retry-After: too many failed sign-ins; only time or an administrator lifts it. */
export class AccountLockedException extends HttpException {
  readonly retryAfterSeconds: number;

  constructor(lockedUntil: Date) {
    const retryAfterSeconds = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000));
    super(
      {
        error: 'account_locked',
        lockedUntil: lockedUntil.toISOString(),
        message:
          `too many failed sign-ins: the account is locked until ${lockedUntil.toISOString()}; ` +
          'try again then, or ask an administrator to unlock it',
      },
      429,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class DeviceLimitReachedException extends ForbiddenException {
  constructor(limit: number, deviceCount: number, accountId: string) {
    super({
      error: 'device_limit_reached',
      limit,
      message:
        `This account already has ${deviceCount} devices, the most it may have (${limit}); ` +
        `remove one (DELETE /admin/accounts/${accountId}/devices/:deviceId) to free a place`,
    });
  }
}

/** A 403 that is also an RFC 7807 problem (`application/problem+json`), `error` and `message` kept. */
function forbiddenProblem(body: { error: string; message: string; [field: string]: unknown }) {
  return { type: 'about:blank', status: 403, title: 'Forbidden', detail: body.message, ...body };
}

export class DeviceBlockedException extends ForbiddenException {
  constructor(decision: Pick<AccessDecision, 'rule' | 'source' | 'ruleId'>) {
    super(
      forbiddenProblem({
        error: 'device_blocked',
        rule: decision.rule,
        ruleSource: decision.source,
        ...(decision.ruleId ? { ruleId: decision.ruleId } : {}),
        message: `this device may not sync this account (${decision.rule}); an administrator can allow it`,
      }),
    );
  }
}

export class DeviceWipedException extends ForbiddenException {
  constructor() {
    super(
      forbiddenProblem({
        error: 'device_wiped',
        message:
          'this device was remotely wiped; an administrator must remove the partnership before it can sync again',
      }),
    );
  }
}

/** A device that is to be wiped gets the wipe, not a fresh credential. */
export class DeviceWipePendingException extends ForbiddenException {
  constructor() {
    super(
      forbiddenProblem({
        error: 'wipe_pending',
        message: 'a remote wipe is waiting for this device; it gets no new token',
      }),
    );
  }
}
