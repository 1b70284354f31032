import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ZodValidationPipe } from '@pushmail/platform';
import type { ExemptionView } from '../access/access.service.js';
import { AccessService } from '../access/access.service.js';
import { type SetExemptionDto, setExemptionSchema } from '../access/dto/access.dto.js';
import { accountIdParamSchema } from '../accounts/dto/list-accounts.dto.js';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { cancelWipeQuerySchema, type RequestWipeDto, requestWipeSchema } from '../wipes/dto/wipe.dto.js';
import { type WipeView, WipesService } from '../wipes/wipes.service.js';
import { type DevicePage, type DeviceSummary, DevicesService } from './devices.service.js';
import { deviceIdSchema } from './dto/register-device.dto.js';
import { type SearchDevicesQuery, searchDevicesQuerySchema } from './dto/search-devices.dto.js';
import { RemoveDevice } from './usecases/remove-device/remove-device.usecase.js';

const accountIdPipe = new ZodValidationPipe(accountIdParamSchema, 'accountId');
const deviceIdPipe = new ZodValidationPipe(deviceIdSchema, 'deviceId');

/** One account's partnerships: list, inspect, change access, wipe, remove. */
@Controller('admin/accounts/:accountId/devices')
@UseGuards(AdminTokenGuard)
export class AdminDevicesController {
  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(RemoveDevice) private readonly removeDevice: RemoveDevice,
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(WipesService) private readonly wipes: WipesService,
  ) {}

  @Get()
  list(
    @Param('accountId', accountIdPipe) accountId: string,
  ): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    return this.devices.listForAccount(accountId);
  }

  @Get(':deviceId')
  get(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<DeviceSummary> {
    return this.devices.get(accountId, deviceId);
  }

  /** Ends the partnership: the device's tokens stop working and its place under the limit is free. */
  @Delete(':deviceId')
  @HttpCode(204)
  async remove(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<void> {
    await this.removeDevice.execute(accountId, deviceId);
  }

  /** Always allow or always block this device of this account (an exemption from the rules). */
  @Put(':deviceId/access')
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
  async clearAccess(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<void> {
    await this.access.clearExemption(accountId, deviceId);
  }

  @Post(':deviceId/wipe')
  @HttpCode(202)
  requestWipe(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Body(new ZodValidationPipe(requestWipeSchema)) body: RequestWipeDto,
  ): Promise<WipeView> {
    return this.wipes.request(accountId, deviceId, body);
  }

  @Delete(':deviceId/wipe')
  cancelWipe(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Query(new ZodValidationPipe(cancelWipeQuerySchema, 'query')) query: { cancelledBy: string },
  ): Promise<WipeView> {
    return this.wipes.cancel(accountId, deviceId, query.cancelledBy);
  }
}

/** Partnerships across the organisation. */
@Controller('admin/devices')
@UseGuards(AdminTokenGuard)
export class AdminOrgDevicesController {
  constructor(@Inject(DevicesService) private readonly devices: DevicesService) {}

  @Get()
  search(
    @Query(new ZodValidationPipe(searchDevicesQuerySchema, 'query')) query: SearchDevicesQuery,
  ): Promise<DevicePage> {
    return this.devices.search(query);
  }
}
