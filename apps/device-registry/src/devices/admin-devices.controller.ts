import { Controller, Delete, Get, HttpCode, Inject, Param, UseGuards } from '@nestjs/common';
import { accountIdParamSchema } from '../accounts/dto/list-accounts.dto.js';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { type DeviceSummary, DevicesService } from './devices.service.js';
import { deviceIdSchema } from './dto/register-device.dto.js';
import { RemoveDevice } from './usecases/remove-device/remove-device.usecase.js';

@Controller('admin/accounts/:accountId/devices')
@UseGuards(AdminTokenGuard)
export class AdminDevicesController {
  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(RemoveDevice) private readonly removeDevice: RemoveDevice,
  ) {}

  @Get()
  list(
    @Param('accountId', new ZodValidationPipe(accountIdParamSchema, 'accountId')) accountId: string,
  ): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    return this.devices.listForAccount(accountId);
  }

  /** Ends the partnership: the device's tokens stop working and its place under the limit is free. */
  @Delete(':deviceId')
  @HttpCode(204)
  async remove(
    @Param('accountId', new ZodValidationPipe(accountIdParamSchema, 'accountId')) accountId: string,
    @Param('deviceId', new ZodValidationPipe(deviceIdSchema, 'deviceId')) deviceId: string,
  ): Promise<void> {
    await this.removeDevice.execute(accountId, deviceId);
  }
}
