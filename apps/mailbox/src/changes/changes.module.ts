import { Module } from '@nestjs/common';
import { ChangesRetentionService } from './changes-retention.service.js';
import { ChangesService } from './changes.service.js';

@Module({
  providers: [ChangesService, ChangesRetentionService],
  exports: [ChangesService],
})
export class ChangesModule {}
