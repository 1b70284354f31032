import { EventEmitter } from 'node:events';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { TrailsJmapMethods } from '../trail/request-trail.js';
import type { TrailInput, DeviceTrail } from '@pushmail/edge';
import type { DeviceAuthenticator } from './device-auth.service.js';
import { DeviceAuthGuard } from './device-auth.guard.js';
import { DeviceLastSeen } from './device-last-seen.js';

const device = { accountId: '5b8e1d2c-7f3a-4c6b-9e0d-1a2b3c4d5e6f', deviceId: 'tablet' };

class Routes {
  session(): void {}

  @TrailsJmapMethods()
  api(): void {}
}

function setUp() {
  const records: TrailInput[] = [];
  const trail = { record: (_accountId: string, input: TrailInput) => records.push(input) };
  const authenticator = { authenticate: async () => ({ ok: true, device }) };
  const guard = new DeviceAuthGuard(
    authenticator as unknown as DeviceAuthenticator,
    new DeviceLastSeen(),
    new Reflector(),
    trail as unknown as DeviceTrail,
  );
  /** Lets the guard pass a request to the named route, then answers it with `status`. */
  const call = async (route: 'session' | 'api', method: string, url: string, status: number) => {
    const request = { method, url, headers: {}, socket: {} };
    const response = Object.assign(new EventEmitter(), { statusCode: status, setHeader: () => undefined });
    const context = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
      getHandler: () => Routes.prototype[route],
      getClass: () => Routes,
    } as unknown as ExecutionContext;
    expect(await guard.canActivate(context)).toBe(true);
    response.emit('finish');
  };
  return { records, call };
}

describe(DeviceAuthGuard.name, () => {
  it('records a device route other than the JMAP API by its route once answered', async () => {
    const { records, call } = setUp();
    await call('session', 'GET', '/.well-known/jmap?x=1', 200);
    expect(records).toEqual([
      {
        deviceId: 'tablet',
        kind: 'request',
        request: { methods: ['HTTP GET /.well-known/jmap'], ok: true, durationMs: expect.any(Number) },
      },
    ]);
  });

  it('leaves a route that records its JMAP method names to record itself', async () => {
    const { records, call } = setUp();
    await call('api', 'POST', '/jmap/api', 200);
    expect(records).toEqual([]);
  });
});
