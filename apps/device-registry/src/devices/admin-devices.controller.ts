import { Body, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { AccessService } from '../access/access.service.js';
import {
  exemptionSchema,
  type ExemptionView,
  type SetExemptionDto,
  setExemptionSchema,
} from '../access/dto/access.dto.js';
import {
  cancelWipeQuerySchema,
  type RequestWipeDto,
  requestWipeSchema,
  wipeSchema,
  type WipeView,
} from '../wipes/dto/wipe.dto.js';
import { WipesService } from '../wipes/wipes.service.js';
import { type DeviceSummary, DevicesService } from './devices.service.js';
import { accountIdPipe, deviceIdPipe } from './dto/device-path.js';
import {
  accountDevicesSchema,
  type DevicePage,
  devicePageSchema,
  deviceSchema,
} from './dto/device.response.js';
import { type SearchDevicesQuery, searchDevicesQuerySchema } from './dto/search-devices.dto.js';
import { RemoveDevice } from '../usecases/remove-device/remove-device.usecase.js';

/**
 * One account's partnerships: list, inspect, remove, a device's exemption from the access rules,
 * and asking a device to wipe itself.
 */
@AdminController('admin/accounts/:accountId/devices', 'devices')
export class AdminDevicesController {
  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(RemoveDevice) private readonly removeDevice: RemoveDevice,
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(WipesService) private readonly wipes: WipesService,
  ) {}

  @Get()
  @ApiOperation(
    'listAccountDevices',
    "The account's partnerships",
    { 200: ['Devices', accountDevicesSchema] },
    [400, 401, 404],
  )
  list(
    @Param('accountId', accountIdPipe) accountId: string,
  ): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    return this.devices.listForAccount(accountId);
  }

  @Get(':deviceId')
  @ApiOperation('getDevice', 'One partnership', { 200: ['The device', deviceSchema] }, [400, 401, 404])
  get(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<DeviceSummary> {
    return this.devices.get(accountId, deviceId);
  }

  /** Ends the partnership: the device's tokens stop working and its place under the limit is free. */
  @Delete(':deviceId')
  @HttpCode(204)
  @ApiOperation(
    'removeDevice',
    'End the partnership: tokens die, the place under the limit is freed',
    { 204: 'Removed' },
    [400, 401, 404],
  )
  async remove(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<void> {
    await this.removeDevice.execute(accountId, deviceId);
  }

  /** Always allow or always block this device of this account (an exemption from the rules). */
  @Put(':deviceId/access')
  @ApiOperation(
    'setDeviceAccess',
    'Always allow or always block this device of this account (an exemption)',
    { 200: ['The exemption', exemptionSchema] },
    [400, 401, 404],
    { tags: ['access', 'devices'] },
  )
  setAccess(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Body(new ZodValidationPipe(setExemptionSchema)) body: SetExemptionDto,
  ): Promise<ExemptionView> {
    return this.access.setExemption(accountId, deviceId, body.access, body.note);
  }

  /** Drops the exemption: the rules and the default decide again. */
  @Delete(':deviceId/access')
  @HttpCode(204)
  @ApiOperation(
    'clearDeviceAccess',
    'Drop the exemption: rules and the default decide again',
    { 204: 'Cleared' },
    [400, 401, 404],
    { tags: ['access', 'devices'] },
  )
  async clearAccess(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<void> {
    await this.access.clearExemption(accountId, deviceId);
  }

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

/** Partnerships across the organisation. */
@AdminController('admin/devices', 'devices')
export class AdminOrgDevicesController {
  constructor(@Inject(DevicesService) private readonly devices: DevicesService) {}

  @Get()
  @ApiOperation(
    'searchDevices',
    'Search partnerships across the organisation',
    { 200: ['A page of devices', devicePageSchema] },
    [400, 401],
  )
  search(
    @Query(new ZodValidationPipe(searchDevicesQuerySchema, 'query')) query: SearchDevicesQuery,
  ): Promise<DevicePage> {
    return this.devices.search(query);
  }
}
