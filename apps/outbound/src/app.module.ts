import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { AdministerQueueModule } from './usecases/administer-queue/administer-queue.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { OUTBOUND_SCHEMA, outboundDataSourceOptions } from './store/data-source-options.js';
import { DeliverQueuedModule } from './usecases/deliver-queued/deliver-queued.module.js';
import { QueueSubmissionModule } from './usecases/queue-submission/queue-submission.module.js';
import { RotateDkimKeyModule } from './usecases/rotate-dkim-key/rotate-dkim-key.module.js';

@Module({
  imports: [
    // TypeORM destroys the datasource on shutdown after every module's destroy hook, so the
    // consumer has finished its batch by then.
    DatabaseModule.register({ schema: OUTBOUND_SCHEMA, dataSourceOptions: outboundDataSourceOptions }),
    QueueSubmissionModule,
    DeliverQueuedModule,
    RotateDkimKeyModule,
    AdministerQueueModule,
    OpenApiModule,
  ],
})
export class AppModule {}
