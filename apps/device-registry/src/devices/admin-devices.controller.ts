import { Delete, Get, HttpCode, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { type DevicePage, type DeviceSummary, DevicesService } from './devices.service.js';
import { accountIdPipe, deviceIdPipe } from './dto/device-path.js';
import { accountDevicesSchema, devicePageSchema, deviceSchema } from './dto/device.response.js';
import { type SearchDevicesQuery, searchDevicesQuerySchema } from './dto/search-devices.dto.js';
import { RemoveDevice } from '../usecases/remove-device/remove-device.usecase.js';

/**
 * One account's partnerships: list, inspect, remove. A device's access exemption and its wipes are
 * under the same path, in access/ and wipes/.
 */
@AdminController('admin/accounts/:accountId/devices', 'devices')
export class AdminDevicesController {
  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(RemoveDevice) private readonly removeDevice: RemoveDevice,
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
