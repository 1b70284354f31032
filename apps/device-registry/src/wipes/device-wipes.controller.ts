import { Body, Delete, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { AdminController, ApiOperation, ZodValidationPipe } from '@pushmail/platform';
import { accountIdPipe, deviceIdPipe } from '../devices/dto/device-path.js';
import { cancelWipeQuerySchema, type RequestWipeDto, requestWipeSchema, wipeSchema } from './dto/wipe.dto.js';
import { type WipeView, WipesService } from './wipes.service.js';

/** Asking one device of an account to wipe itself, and withdrawing the request. */
@AdminController('admin/accounts/:accountId/devices', 'devices')
export class DeviceWipesController {
  constructor(@Inject(WipesService) private readonly wipes: WipesService) {}

  @Post(':deviceId/wipe')
  @HttpCode(202)
  @ApiOperation(
    'requestWipe',
    'Ask the device to wipe itself (full) or this account’s data (account)',
    { 202: ['The wipe, pending until the device confirms', wipeSchema] },
    [400, 401, 404, 409],
    { tags: ['wipes', 'devices'] },
  )
  requestWipe(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Body(new ZodValidationPipe(requestWipeSchema)) body: RequestWipeDto,
  ): Promise<WipeView> {
    return this.wipes.request(accountId, deviceId, body);
  }

  @Delete(':deviceId/wipe')
  @ApiOperation(
    'cancelWipe',
    'Withdraw a pending wipe',
    { 200: ['The cancelled wipe', wipeSchema] },
    [400, 401, 404],
    { tags: ['wipes', 'devices'] },
  )
  cancelWipe(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Query(new ZodValidationPipe(cancelWipeQuerySchema, 'query')) query: { cancelledBy: string },
  ): Promise<WipeView> {
    return this.wipes.cancel(accountId, deviceId, query.cancelledBy);
  }
}
