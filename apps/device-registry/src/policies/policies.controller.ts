import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ZodValidationPipe } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import {
  type CreatePolicyDto,
  createPolicySchema,
  policyIdParamSchema,
  type UpdatePolicyDto,
  updatePolicySchema,
} from './dto/policy.dto.js';
import { PoliciesService, type PolicyView } from './policies.service.js';

const policyIdPipe = new ZodValidationPipe(policyIdParamSchema, 'policyId');

@Controller('admin/policies')
@UseGuards(AdminTokenGuard)
export class PoliciesController {
  constructor(@Inject(PoliciesService) private readonly policies: PoliciesService) {}

  @Get()
  async list(): Promise<{ policies: PolicyView[] }> {
    return { policies: await this.policies.list() };
  }

  @Post()
  @HttpCode(201)
  create(@Body(new ZodValidationPipe(createPolicySchema)) body: CreatePolicyDto): Promise<PolicyView> {
    return this.policies.create(body);
  }

  @Get(':policyId')
  get(@Param('policyId', policyIdPipe) policyId: string): Promise<PolicyView> {
    return this.policies.get(policyId);
  }

  /** A new version: every device under it receives it at once and must acknowledge it again. */
  @Put(':policyId')
  update(
    @Param('policyId', policyIdPipe) policyId: string,
    @Body(new ZodValidationPipe(updatePolicySchema)) body: UpdatePolicyDto,
  ): Promise<PolicyView> {
    return this.policies.update(policyId, body);
  }

  @Delete(':policyId')
  @HttpCode(204)
  async remove(@Param('policyId', policyIdPipe) policyId: string): Promise<void> {
    await this.policies.remove(policyId);
  }
}
