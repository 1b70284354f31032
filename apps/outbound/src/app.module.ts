import { Module } from '@nestjs/common';
import { StoreModule } from './store/store.module.js';
import { DeliverQueuedModule } from './usecases/deliver-queued/deliver-queued.module.js';
import { QueueSubmissionModule } from './usecases/queue-submission/queue-submission.module.js';

@Module({
  imports: [StoreModule, QueueSubmissionModule, DeliverQueuedModule],
})
export class AppModule {}
