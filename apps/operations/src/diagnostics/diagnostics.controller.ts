import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ZodValidationPipe } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { accountIdParamSchema, deviceIdSchema } from '../registry/registry-types.js';
import { DiagnosticsService, type OrgFindings } from './diagnostics.service.js';
import {
  type FindingsQuery,
  findingsQuerySchema,
  type TrailQuery,
  trailQuerySchema,
} from './dto/diagnostics.dto.js';
import type { DeviceDiagnosis } from './findings.js';
import type { TrailEntry } from './trail-store.service.js';

const accountIdPipe = new ZodValidationPipe(accountIdParamSchema, 'accountId');
const deviceIdPipe = new ZodValidationPipe(deviceIdSchema, 'deviceId');

/** Why doesn't this phone get mail: a device's trail and what it shows, per device and across the organisation. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class DiagnosticsController {
  constructor(@Inject(DiagnosticsService) private readonly diagnostics: DiagnosticsService) {}

  @Get('accounts/:accountId/devices/:deviceId/trail')
  async trail(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Query(new ZodValidationPipe(trailQuerySchema, 'query')) query: TrailQuery,
  ): Promise<{ accountId: string; deviceId: string; records: TrailEntry[] }> {
    return { accountId, deviceId, records: await this.diagnostics.trailOf(accountId, deviceId, query.limit) };
  }

  @Get('accounts/:accountId/devices/:deviceId/findings')
  deviceFindings(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<DeviceDiagnosis> {
    return this.diagnostics.diagnoseDevice(accountId, deviceId);
  }

  @Get('accounts/:accountId/findings')
  async accountFindings(
    @Param('accountId', accountIdPipe) accountId: string,
  ): Promise<{ accountId: string; devices: DeviceDiagnosis[] }> {
    return { accountId, devices: await this.diagnostics.diagnoseAccount(accountId) };
  }

  @Get('findings')
  orgFindings(
    @Query(new ZodValidationPipe(findingsQuerySchema, 'query')) query: FindingsQuery,
  ): Promise<OrgFindings> {
    return this.diagnostics.diagnoseOrganisation(query.minimum);
  }
}
