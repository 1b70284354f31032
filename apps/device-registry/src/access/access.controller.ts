import { Body, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { AccessService } from './access.service.js';
import {
  type AccessRuleView,
  accessRuleSchema,
  accessRulesSchema,
  type CreateAccessRuleDto,
  createAccessRuleSchema,
  exemptionsSchema,
  type ExemptionView,
  listExemptionsQuerySchema,
  ruleIdParamSchema,
} from './dto/access.dto.js';

/** Organisation-wide access rules and the list of per-device exemptions. */
@AdminController('admin/access', 'access')
export class AccessController {
  constructor(@Inject(AccessService) private readonly access: AccessService) {}

  @Get('rules')
  @ApiOperation('listAccessRules', 'Access rules', { 200: ['Rules', accessRulesSchema] }, [401])
  async listRules(): Promise<{ rules: AccessRuleView[] }> {
    return { rules: await this.access.listRules() };
  }

  /** Applies at once: existing partnerships are decided again, connected devices feel it. */
  @Post('rules')
  @HttpCode(201)
  @ApiOperation(
    'createAccessRule',
    'Add a rule; partnerships are decided again at once',
    { 201: ['The rule', accessRuleSchema] },
    [400, 401, 409],
  )
  createRule(
    @Body(new ZodValidationPipe(createAccessRuleSchema)) body: CreateAccessRuleDto,
  ): Promise<AccessRuleView> {
    return this.access.createRule(body);
  }

  @Delete('rules/:ruleId')
  @HttpCode(204)
  @ApiOperation(
    'deleteAccessRule',
    'Delete a rule; partnerships are decided again at once',
    { 204: 'Deleted' },
    [400, 401, 404],
  )
  async deleteRule(
    @Param('ruleId', new ZodValidationPipe(ruleIdParamSchema, 'ruleId')) ruleId: string,
  ): Promise<void> {
    await this.access.deleteRule(ruleId);
  }

  @Get('exemptions')
  @ApiOperation(
    'listExemptions',
    'Per-device exemptions',
    { 200: ['Exemptions', exemptionsSchema] },
    [400, 401],
  )
  async listExemptions(
    @Query(new ZodValidationPipe(listExemptionsQuerySchema, 'query')) query: { accountId?: string },
  ): Promise<{ exemptions: ExemptionView[] }> {
    return { exemptions: await this.access.listExemptions(query.accountId) };
  }
}
