import {
  createParamDecorator,
  HttpException,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddressOf, DeviceAuthenticator } from './device-auth.service.js';
import type { AuthenticatedDevice } from './device-authenticator.js';
import { DeviceLastSeen } from './device-last-seen.js';

type AuthenticatedRequest = IncomingMessage & { device?: AuthenticatedDevice };

const TITLES = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
} as const;

/** Every device-facing HTTP route: a device token or the account's password, of a device that may sync. */
@Injectable()
export class DeviceAuthGuard implements CanActivate {
  constructor(
    @Inject(DeviceAuthenticator) private readonly authenticator: DeviceAuthenticator,
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const outcome = await this.authenticator.authenticate(request);
    if (outcome.ok) {
      request.device = outcome.device;
      this.lastSeen.touch(
        outcome.device.accountId,
        outcome.device.deviceId,
        new Date(),
        clientAddressOf(request) ?? undefined,
      );
      return true;
    }
    const response = http.getResponse<ServerResponse>();
    for (const [name, value] of Object.entries(outcome.headers ?? {})) response.setHeader(name, value);
    throw new HttpException(
      { type: 'about:blank', status: outcome.status, title: TITLES[outcome.status], detail: outcome.detail },
      outcome.status,
    );
  }
}

/** The device the guard authenticated. */
export const CurrentDevice = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedDevice => {
    const device = context.switchToHttp().getRequest<AuthenticatedRequest>().device;
    if (!device) throw new Error('CurrentDevice used on a route without DeviceAuthGuard');
    return device;
  },
);
