import { Module } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service.js';
import { SelfTestController } from './selftest.controller.js';
import { SelfTestService } from './selftest.service.js';

@Module({ controllers: [SelfTestController], providers: [SelfTestService, AccountsService] })
export class SelfTestModule {}
