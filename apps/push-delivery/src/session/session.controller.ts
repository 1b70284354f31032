import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import { SessionService, type JmapSession } from './session.service.js';

@Controller('.well-known')
@UseGuards(DeviceAuthGuard)
export class SessionController {
  constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

  @Get('jmap')
  @Header('cache-control', 'no-store')
  session(@CurrentDevice() device: AuthenticatedDevice): Promise<JmapSession> {
    return this.sessions.sessionFor(device);
  }
}
