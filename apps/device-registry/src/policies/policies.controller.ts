import { Body, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import {
  type CreatePolicyDto,
  createPolicySchema,
  policiesSchema,
  policyIdParamSchema,
  policySchema,
  type PolicyView,
  type UpdatePolicyDto,
  updatePolicySchema,
} from './dto/policy.dto.js';
import { PoliciesService } from './policies.service.js';

const policyIdPipe = new ZodValidationPipe(policyIdParamSchema, 'policyId');

@AdminController('admin/policies', 'policies')
export class PoliciesController {
  constructor(@Inject(PoliciesService) private readonly policies: PoliciesService) {}

  @Get()
  @ApiOperation('listPolicies', 'Device policies', { 200: ['Policies', policiesSchema] }, [401])
  async list(): Promise<{ policies: PolicyView[] }> {
    return { policies: await this.policies.list() };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation('createPolicy', 'Create a policy', { 201: ['The policy', policySchema] }, [400, 401, 409])
  create(@Body(new ZodValidationPipe(createPolicySchema)) body: CreatePolicyDto): Promise<PolicyView> {
    return this.policies.create(body);
  }

  @Get(':policyId')
  @ApiOperation('getPolicy', 'One policy', { 200: ['The policy', policySchema] }, [400, 401, 404])
  get(@Param('policyId', policyIdPipe) policyId: string): Promise<PolicyView> {
    return this.policies.get(policyId);
  }

  /** A new version: every device under it receives it at once and must acknowledge it again. */
  @Put(':policyId')
  @ApiOperation(
    'updatePolicy',
    'Change a policy: a new version every device under it must acknowledge',
    { 200: ['The policy', policySchema] },
    [400, 401, 404, 409],
  )
  update(
    @Param('policyId', policyIdPipe) policyId: string,
    @Body(new ZodValidationPipe(updatePolicySchema)) body: UpdatePolicyDto,
  ): Promise<PolicyView> {
    return this.policies.update(policyId, body);
  }

  @Delete(':policyId')
  @HttpCode(204)
  @ApiOperation('deletePolicy', 'Delete a policy no account uses', { 204: 'Deleted' }, [400, 401, 404, 409])
  async remove(@Param('policyId', policyIdPipe) policyId: string): Promise<void> {
    await this.policies.remove(policyId);
  }
}
