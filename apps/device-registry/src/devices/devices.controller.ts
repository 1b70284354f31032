import type { IncomingMessage } from 'node:http';
import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { type RegisterDeviceDto, registerDeviceSchema } from './dto/register-device.dto.js';
import { RegisterDevice } from './usecases/register-device/register-device.usecase.js';

export interface RegistrationResponse {
  accountId: string;
  deviceId: string;
  token: string;
  sessionUrl: string | null;
}

/** The device-facing side: a device proves the account's password once and receives its own token. */
@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(RegisterDevice) private readonly registerDevice: RegisterDevice) {}

  /** 201 for a new partnership, 200 when an existing one was refreshed. */
  @Post()
  async register(
    @Body(new ZodValidationPipe(registerDeviceSchema)) body: RegisterDeviceDto,
    @Req() request: IncomingMessage & { ip?: string },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<RegistrationResponse> {
    const registered = await this.registerDevice.execute(body, clientAddressOf(request));
    response.status(registered.created ? 201 : 200);
    return {
      accountId: registered.accountId,
      deviceId: registered.deviceId,
      token: registered.token,
      sessionUrl: registered.sessionUrl,
    };
  }
}

function clientAddressOf(request: IncomingMessage & { ip?: string }): string | null {
  const address = request.ip ?? request.socket.remoteAddress;
  if (!address) return null;
  return address.replace(/^::ffff:/, '').slice(0, 64);
}
