import { Body, Controller, Get, Inject, Put, UseGuards } from '@nestjs/common';
import { type DeviceAccessLevel, deviceAccessLevels } from '@pushmail/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '@pushmail/platform';
import { AccessService } from '../access/access.service.js';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { PoliciesService } from '../policies/policies.service.js';

export interface OrgSettingsView {
  /** Access of a device that no exemption or rule decides. */
  defaultAccess: DeviceAccessLevel;
  /** The policy of every account without its own; null for none. */
  defaultPolicyId: string | null;
}

const updateSettingsSchema = z
  .object({
    defaultAccess: z.enum(deviceAccessLevels).optional(),
    defaultPolicyId: z.uuid().nullable().optional(),
  })
  .refine((body) => body.defaultAccess !== undefined || body.defaultPolicyId !== undefined, {
    message: 'give defaultAccess, defaultPolicyId or both',
  });

@Controller('admin/settings')
@UseGuards(AdminTokenGuard)
export class SettingsController {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(PoliciesService) private readonly policies: PoliciesService,
  ) {}

  @Get()
  async get(): Promise<OrgSettingsView> {
    return {
      defaultAccess: await this.access.defaultAccess(),
      defaultPolicyId: await this.policies.defaultPolicyId(),
    };
  }

  /** Takes effect at once for every partnership the change concerns. */
  @Put()
  async update(
    @Body(new ZodValidationPipe(updateSettingsSchema))
    body: {
      defaultAccess?: DeviceAccessLevel;
      defaultPolicyId?: string | null;
    },
  ): Promise<OrgSettingsView> {
    if (body.defaultPolicyId !== undefined) await this.policies.setDefault(body.defaultPolicyId);
    if (body.defaultAccess !== undefined) await this.access.setDefaultAccess(body.defaultAccess);
    return this.get();
  }
}
