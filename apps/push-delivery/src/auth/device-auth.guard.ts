import {
  createParamDecorator,
  HttpException,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateBearer, WWW_AUTHENTICATE, type AuthenticatedDevice } from './device-authenticator.js';
import { DeviceCredentialsView } from './device-credentials.view.js';
import { DeviceLastSeen } from './device-last-seen.js';

type AuthenticatedRequest = IncomingMessage & { device?: AuthenticatedDevice };

const TITLES = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' } as const;

/** Every device-facing HTTP route: a valid device token of an allowed device, or 401/403. */
@Injectable()
export class DeviceAuthGuard implements CanActivate {
  constructor(
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const outcome = authenticateBearer(request.headers.authorization, this.credentials);
    if (outcome.ok) {
      request.device = outcome.device;
      this.lastSeen.touch(outcome.device.accountId, outcome.device.deviceId);
      return true;
    }
    const response = http.getResponse<ServerResponse>();
    if (outcome.status === 401) response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
    if (outcome.status === 503) response.setHeader('Retry-After', '5');
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
