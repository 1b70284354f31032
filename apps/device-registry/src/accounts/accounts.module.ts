import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { PoliciesModule } from '../policies/policies.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { AccountsController } from './accounts.controller.js';
import { AccountsService } from './accounts.service.js';
import { CreateAccount } from '../usecases/create-account/create-account.usecase.js';

@Module({
  imports: [CredentialsModule, PublishingModule, PoliciesModule],
  controllers: [AccountsController],
  providers: [AccountsService, CreateAccount],
})
export class AccountsModule {}
