import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { accountIdParamSchema, deviceIdSchema } from '../registry/registry-types.js';
import { DiagnosticsService } from './diagnostics.service.js';
import {
  accountFindingsSchema,
  deviceDiagnosisSchema,
  type FindingsQuery,
  findingsQuerySchema,
  type OrgFindings,
  orgFindingsSchema,
  trailSchema,
  type TrailQuery,
  trailQuerySchema,
} from './dto/diagnostics.dto.js';
import type { DeviceDiagnosis } from './findings.js';
import type { TrailEntry } from './trail-store.service.js';

const accountIdPipe = new ZodValidationPipe(accountIdParamSchema, 'accountId');
const deviceIdPipe = new ZodValidationPipe(deviceIdSchema, 'deviceId');

/** Why doesn't this phone get mail: a device's trail and what it shows, per device and across the organisation. */
@AdminController('admin', 'diagnostics')
export class DiagnosticsController {
  constructor(@Inject(DiagnosticsService) private readonly diagnostics: DiagnosticsService) {}

  @Get('accounts/:accountId/devices/:deviceId/trail')
  @ApiOperation(
    'getDeviceTrail',
    "A device's diagnostic trail, newest first (records without a device concern the whole account)",
    { 200: ['The trail', trailSchema] },
    [400, 401, 404],
  )
  async trail(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
    @Query(new ZodValidationPipe(trailQuerySchema, 'query')) query: TrailQuery,
  ): Promise<{ accountId: string; deviceId: string; records: TrailEntry[] }> {
    return { accountId, deviceId, records: await this.diagnostics.trailOf(accountId, deviceId, query.limit) };
  }

  @Get('accounts/:accountId/devices/:deviceId/findings')
  @ApiOperation(
    'getDeviceFindings',
    'Why this device does (not) get mail: its status and each finding with evidence and fix',
    { 200: ['The diagnosis', deviceDiagnosisSchema] },
    [400, 401, 404],
  )
  deviceFindings(
    @Param('accountId', accountIdPipe) accountId: string,
    @Param('deviceId', deviceIdPipe) deviceId: string,
  ): Promise<DeviceDiagnosis> {
    return this.diagnostics.diagnoseDevice(accountId, deviceId);
  }

  @Get('accounts/:accountId/findings')
  @ApiOperation(
    'getAccountFindings',
    'The diagnosis of every device of an account',
    { 200: ['One diagnosis per device', accountFindingsSchema] },
    [400, 401, 404],
  )
  async accountFindings(
    @Param('accountId', accountIdPipe) accountId: string,
  ): Promise<{ accountId: string; devices: DeviceDiagnosis[] }> {
    return { accountId, devices: await this.diagnostics.diagnoseAccount(accountId) };
  }

  @Get('findings')
  @ApiOperation(
    'listFindings',
    'Every device of the organisation with a finding, worst first',
    { 200: ['Devices with a finding', orgFindingsSchema] },
    [400, 401],
  )
  orgFindings(
    @Query(new ZodValidationPipe(findingsQuerySchema, 'query')) query: FindingsQuery,
  ): Promise<OrgFindings> {
    return this.diagnostics.diagnoseOrganisation(query.minimum);
  }
}
