import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { type AccountPage, AccountsService } from './accounts.service.js';
import { type CreateAccountDto, createAccountSchema } from './dto/create-account.dto.js';
import { type ListAccountsQuery, listAccountsQuerySchema } from './dto/list-accounts.dto.js';
import { CreateAccount, type CreatedAccount } from './usecases/create-account/create-account.usecase.js';

@Controller('admin/accounts')
@UseGuards(AdminTokenGuard)
export class AccountsController {
  constructor(
    @Inject(CreateAccount) private readonly createAccount: CreateAccount,
    @Inject(AccountsService) private readonly accounts: AccountsService,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body(new ZodValidationPipe(createAccountSchema)) body: CreateAccountDto): Promise<CreatedAccount> {
    return this.createAccount.execute(body);
  }

  @Get()
  list(
    @Query(new ZodValidationPipe(listAccountsQuerySchema, 'query')) query: ListAccountsQuery,
  ): Promise<AccountPage> {
    return this.accounts.list(query);
  }
}
