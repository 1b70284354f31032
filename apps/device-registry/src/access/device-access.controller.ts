import { Body, Delete, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { AdminController, ApiOperation, ZodValidationPipe } from '@pushmail/platform';
import { accountIdPipe, deviceIdPipe } from '../devices/dto/device-path.js';
import { AccessService, type ExemptionView } from './access.service.js';
import { exemptionSchema, type SetExemptionDto, setExemptionSchema } from './dto/access.dto.js';

/** One device's exemption from the access rules, under the account's partnerships. */
@AdminController('admin/accounts/:accountId/devices', 'devices')
export class DeviceAccessController {
  constructor(@Inject(AccessService) private readonly access: AccessService) {}

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
}
