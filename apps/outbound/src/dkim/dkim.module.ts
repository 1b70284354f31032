import { Module } from '@nestjs/common';
import { DkimController } from './dkim.controller.js';
import { DkimKeys } from './dkim-keys.service.js';

@Module({
  controllers: [DkimController],
  providers: [DkimKeys],
  exports: [DkimKeys],
})
export class DkimModule {}
