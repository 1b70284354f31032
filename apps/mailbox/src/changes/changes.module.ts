import { Module } from '@nestjs/common';
import { PublishingModule } from '../publishing/publishing.module.js';
import { AccountChanges } from './account-changes.js';
import { ChangesRetentionService } from './changes-retention.service.js';
import { ChangesService } from './changes.service.js';

@Module({
  imports: [PublishingModule],
  providers: [ChangesService, ChangesRetentionService, AccountChanges],
  exports: [ChangesService, AccountChanges],
})
export class ChangesModule {}
