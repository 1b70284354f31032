import { Module } from '@nestjs/common';
import { DkimModule } from '../../dkim/dkim.module.js';
import { DomainDkimController } from './domain-dkim.controller.js';
import { RotateDkimKey } from './rotate-dkim-key.usecase.js';

@Module({
  imports: [DkimModule],
  controllers: [DomainDkimController],
  providers: [RotateDkimKey],
})
export class RotateDkimKeyModule {}
