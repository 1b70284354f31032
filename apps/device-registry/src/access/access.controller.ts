import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ZodValidationPipe } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { type AccessRuleView, AccessService, type ExemptionView } from './access.service.js';
import {
  type CreateAccessRuleDto,
  createAccessRuleSchema,
  listExemptionsQuerySchema,
  ruleIdParamSchema,
} from './dto/access.dto.js';

/** Organisation-wide access rules and the list of per-device exemptions. */
@Controller('admin/access')
@UseGuards(AdminTokenGuard)
export class AccessController {
  constructor(@Inject(AccessService) private readonly access: AccessService) {}

  @Get('rules')
  async listRules(): Promise<{ rules: AccessRuleView[] }> {
    return { rules: await this.access.listRules() };
  }

  /** Applies at once: existing partnerships are decided again, connected devices feel it. */
  @Post('rules')
  @HttpCode(201)
  createRule(
    @Body(new ZodValidationPipe(createAccessRuleSchema)) body: CreateAccessRuleDto,
  ): Promise<AccessRuleView> {
    return this.access.createRule(body);
  }

  @Delete('rules/:ruleId')
  @HttpCode(204)
  async deleteRule(
    @Param('ruleId', new ZodValidationPipe(ruleIdParamSchema, 'ruleId')) ruleId: string,
  ): Promise<void> {
    await this.access.deleteRule(ruleId);
  }

  @Get('exemptions')
  async listExemptions(
    @Query(new ZodValidationPipe(listExemptionsQuerySchema, 'query')) query: { accountId?: string },
  ): Promise<{ exemptions: ExemptionView[] }> {
    return { exemptions: await this.access.listExemptions(query.accountId) };
  }
}
