import { Body, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { assignPolicySchema } from '../policies/dto/policy.dto.js';
import { PoliciesService } from '../policies/policies.service.js';
import { AccountsService, type AccountSummary } from './accounts.service.js';
import {
  type AccountPage,
  accountPageSchema,
  accountSchema,
  type CreatedAccount,
  createdAccountSchema,
} from './dto/account.response.js';
import { type CreateAccountDto, createAccountSchema } from './dto/create-account.dto.js';
import { type ListAccountsQuery, listAccountsQuerySchema } from './dto/list-accounts.dto.js';
import { accountIdPipe } from '../devices/dto/device-path.js';
import { CreateAccount } from '../usecases/create-account/create-account.usecase.js';

@AdminController('admin/accounts', 'accounts')
export class AccountsController {
  constructor(
    @Inject(CreateAccount) private readonly createAccount: CreateAccount,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(PoliciesService) private readonly policies: PoliciesService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation(
    'createAccount',
    'Create an account',
    { 201: ['Created', createdAccountSchema] },
    [400, 401, 409],
  )
  create(@Body(new ZodValidationPipe(createAccountSchema)) body: CreateAccountDto): Promise<CreatedAccount> {
    return this.createAccount.execute(body);
  }

  @Get()
  @ApiOperation(
    'listAccounts',
    'List accounts in address order',
    { 200: ['A page of accounts', accountPageSchema] },
    [400, 401],
  )
  list(
    @Query(new ZodValidationPipe(listAccountsQuerySchema, 'query')) query: ListAccountsQuery,
  ): Promise<AccountPage> {
    return this.accounts.list(query);
  }

  @Get(':accountId')
  @ApiOperation(
    'getAccount',
    'One account, with its lockout state',
    { 200: ['The account', accountSchema] },
    [400, 401, 404],
  )
  get(@Param('accountId', accountIdPipe) accountId: string): Promise<AccountSummary> {
    return this.accounts.get(accountId);
  }

  /** Lifts a sign-in lockout at once. */
  @Post(':accountId/unlock')
  @HttpCode(200)
  @ApiOperation(
    'unlockAccount',
    'Lift a sign-in lockout',
    { 200: ['The account, unlocked', accountSchema] },
    [400, 401, 404],
  )
  unlock(@Param('accountId', accountIdPipe) accountId: string): Promise<AccountSummary> {
    return this.accounts.unlock(accountId);
  }

  /** The account's own policy, or null to follow the organisation default. */
  @Put(':accountId/policy')
  @ApiOperation(
    'assignPolicy',
    'Give the account its own policy (or null to follow the default)',
    { 200: ['The account', accountSchema] },
    [400, 401, 404],
    { tags: ['policies', 'accounts'] },
  )
  async assignPolicy(
    @Param('accountId', accountIdPipe) accountId: string,
    @Body(new ZodValidationPipe(assignPolicySchema)) body: { policyId: string | null },
  ): Promise<AccountSummary> {
    await this.policies.assign(accountId, body.policyId);
    return this.accounts.get(accountId);
  }
}
