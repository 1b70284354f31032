import { ForbiddenException, UnauthorizedException } from '@nestjs/common';

/** One answer for an unknown address and a wrong password: it must not reveal which addresses exist. */
export class InvalidCredentialsException extends UnauthorizedException {
  constructor() {
    super({ error: 'invalid_credentials' });
  }
}

export class AccountDisabledException extends ForbiddenException {
  constructor() {
    super({ error: 'account_disabled', message: 'this account is disabled; devices cannot be registered' });
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
