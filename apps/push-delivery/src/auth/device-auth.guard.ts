import {
  createParamDecorator,
  HttpException,
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddressOf, DeviceAuthenticator } from './device-auth.service.js';
import type { AuthenticatedDevice } from './device-authenticator.js';
import { DeviceLastSeen } from './device-last-seen.js';
import { TRAILS_JMAP_METHODS } from '../trail/request-trail.js';
import { DeviceTrail } from '@pushmail/edge';

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
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(DeviceTrail) private readonly trail?: DeviceTrail,
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
      const recordsItself = this.reflector.getAllAndOverride<boolean | undefined>(TRAILS_JMAP_METHODS, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (!recordsItself) this.recordRequest(outcome.device, request, http.getResponse<ServerResponse>());
      return true;
    }
    if (outcome.device) {
      this.trail?.record(outcome.device.accountId, {
        deviceId: outcome.device.deviceId,
        kind: 'authFailed',
        auth: { status: outcome.status, reason: outcome.detail.slice(0, 300) },
      });
    }
    const response = http.getResponse<ServerResponse>();
    for (const [name, value] of Object.entries(outcome.headers ?? {})) response.setHeader(name, value);
    throw new HttpException(
      { type: 'about:blank', status: outcome.status, title: TITLES[outcome.status], detail: outcome.detail },
      outcome.status,
    );
  }

  /**
   * The other device routes (session, blobs, EventSource, token) go into the device's trail by
   * route once answered; the JMAP API records its method names itself, as the socket does.
   */
  private recordRequest(
    device: AuthenticatedDevice,
    request: IncomingMessage,
    response: ServerResponse,
  ): void {
    const trail = this.trail;
    if (!trail) return;
    const started = performance.now();
    const route = `HTTP ${request.method ?? 'GET'} ${new URL(request.url ?? '/', 'http://device').pathname}`;
    response.once('finish', () => {
      trail.record(device.accountId, {
        deviceId: device.deviceId,
        kind: 'request',
        request: {
          methods: [route.slice(0, 100)],
          ok: response.statusCode < 400,
          durationMs: Math.round(performance.now() - started),
          ...(response.statusCode >= 400 ? { error: `HTTP ${response.statusCode}` } : {}),
        },
      });
    });
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
