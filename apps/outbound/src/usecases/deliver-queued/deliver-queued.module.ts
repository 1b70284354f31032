import { Module } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { OutboundMetrics } from '../../metrics/outbound-metrics.js';
import { Outbox } from '../../publishing/outbox.js';
import { DkimModule } from '../../dkim/dkim.module.js';
import { RecipientsModule } from '../../recipients/recipients.module.js';
import { DeliverQueuedUseCase } from './deliver-queued.usecase.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { MX_RESOLVER, mxResolverFor } from './mx-resolver.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import { SmtpSender } from './smtp-sender.js';

@Module({
  imports: [RecipientsModule, DkimModule],
  providers: [
    {
      provide: OutboundMetrics,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) =>
        new OutboundMetrics(async () => {
          const rows: Array<{ queued: number; deferred: number; oldest: number | null }> =
            await dataSource.query(
              `SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
                    count(*) FILTER (WHERE status = 'deferred')::int AS deferred,
                    extract(epoch FROM now() - min(created_at))::float8 AS oldest
               FROM outbound.deliveries WHERE status IN ('queued', 'deferred')`,
            );
          const row = rows[0];
          return { queued: row?.queued ?? 0, deferred: row?.deferred ?? 0, oldestSeconds: row?.oldest ?? 0 };
        }),
    },
    Outbox,
    { provide: MX_RESOLVER, inject: [CONFIG], useFactory: (config: OutboundConfig) => mxResolverFor(config) },
    SmtpSender,
    OutcomeRecorder,
    DeliverQueuedUseCase,
    DeliveryWorker,
  ],
  exports: [DeliveryWorker],
})
export class DeliverQueuedModule {}
