import type { IncomingMessage } from 'node:http';
import { Body, Controller, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags, ZodValidationPipe } from '@pushmail/platform';
import { sha256Hex } from '@pushmail/edge';
import {
  registrationSchema,
  type RegistrationResponse,
  rotatedTokenSchema,
  type RotatedTokenResponse,
} from './dto/device.response.js';
import { type RegisterDeviceDto, registerDeviceSchema } from './dto/register-device.dto.js';
import { RegisterDevice } from '../usecases/register-device/register-device.usecase.js';
import { RotateDeviceToken } from '../usecases/rotate-device-token/rotate-device-token.usecase.js';

/** The device-facing side: a device proves the account's password once and receives its own token. */
@Controller('v1/devices')
@ApiTags('device')
export class DevicesController {
  constructor(
    @Inject(RegisterDevice) private readonly registerDevice: RegisterDevice,
    @Inject(RotateDeviceToken) private readonly rotateToken: RotateDeviceToken,
  ) {}

  /** 201 for a new partnership, 200 when an existing one was refreshed. */
  @Post()
  @ApiOperation(
    'registerDevice',
    "A device signs in with the account's password and receives its own token",
    {
      200: ['An existing partnership, refreshed', registrationSchema],
      201: ['A new partnership', registrationSchema],
    },
    [400, 401, 403, 429],
    { security: [] },
  )
  async register(
    @Body(new ZodValidationPipe(registerDeviceSchema)) body: RegisterDeviceDto,
    @Req() request: IncomingMessage & { ip?: string },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<RegistrationResponse> {
    const { created, ...registration } = await this.registerDevice.execute(body, clientAddressOf(request));
    response.status(created ? 201 : 200);
    return registration;
  }

  /** Trades the device's current token (the bearer) for a new one; the old one stops working at once. */
  @Post('token')
  @HttpCode(200)
  @ApiOperation(
    'rotateDeviceToken',
    'Trade the current device token for a new one; the old one stops at once',
    { 200: ['The new token', rotatedTokenSchema] },
    [401, 403],
    { security: ['deviceToken'] },
  )
  async rotate(@Req() request: IncomingMessage): Promise<RotatedTokenResponse> {
    const match = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*) *$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) {
      throw new UnauthorizedException({
        error: 'invalid_token',
        message: 'send the current token: Authorization: Bearer <token>',
      });
    }
    const rotated = await this.rotateToken.execute(sha256Hex(match[1]));
    return { accountId: rotated.accountId, deviceId: rotated.deviceId, token: rotated.token };
  }
}

export function clientAddressOf(request: IncomingMessage & { ip?: string }): string | null {
  const address = request.ip ?? request.socket.remoteAddress;
  if (!address) return null;
  return address.replace(/^::ffff:/, '').slice(0, 64);
}
