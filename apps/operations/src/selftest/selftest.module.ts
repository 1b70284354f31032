import { Module } from '@nestjs/common';
import { SelfTestController } from './selftest.controller.js';
import { SelfTestService } from './selftest.service.js';

@Module({ controllers: [SelfTestController], providers: [SelfTestService] })
export class SelfTestModule {}
