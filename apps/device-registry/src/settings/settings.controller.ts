import { Body, Get, Inject, Put } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { AccessService } from '../access/access.service.js';
import { PoliciesService } from '../policies/policies.service.js';
import {
  type OrgSettingsView,
  settingsSchema,
  type UpdateSettingsDto,
  updateSettingsSchema,
} from './dto/settings.dto.js';

@AdminController('admin/settings', 'settings')
export class SettingsController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(PoliciesService) private readonly policies: PoliciesService,
  ) {}

  @Get()
  @ApiOperation('getSettings', 'Organisation defaults', { 200: ['Settings', settingsSchema] }, [401])
  async get(): Promise<OrgSettingsView> {
    return {
      defaultAccess: await this.access.defaultAccess(),
      defaultPolicyId: await this.policies.defaultPolicyId(),
    };
  }

  /** Takes effect at once for every partnership the change concerns. */
  @Put()
  @ApiOperation(
    'updateSettings',
    'Change the default access and/or default policy',
    { 200: ['Settings', settingsSchema] },
    [400, 401, 404],
  )
  async update(
    @Body(new ZodValidationPipe(updateSettingsSchema)) body: UpdateSettingsDto,
  ): Promise<OrgSettingsView> {
    if (body.defaultPolicyId !== undefined) await this.policies.setDefault(body.defaultPolicyId);
    if (body.defaultAccess !== undefined) await this.access.setDefaultAccess(body.defaultAccess);
    return this.get();
  }
}
