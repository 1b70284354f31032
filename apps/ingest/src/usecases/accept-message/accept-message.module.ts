import { Module } from '@nestjs/common';
import { CONFIG, EventProducer } from '@pushmail/platform';
import type { IngestConfig } from '../../config/ingest-config.js';
import { IngestMetrics } from '../../metrics/ingest-metrics.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { AcceptMessage } from './accept-message.usecase.js';
import { KafkaMailArrivedPublisher } from './mail-arrived-publisher.js';

@Module({
  imports: [MetricsModule],
  providers: [
    {
      provide: AcceptMessage,
      inject: [EventProducer, IngestMetrics, CONFIG],
      useFactory: (producer: EventProducer, metrics: IngestMetrics, config: IngestConfig) =>
        new AcceptMessage(new KafkaMailArrivedPublisher(producer), metrics, {
          publishTimeoutMs: config.INGEST_PUBLISH_TIMEOUT_MS,
          hostname: config.SMTP_HOSTNAME,
          authservIds: config.MAIL_DOMAINS,
        }),
    },
  ],
  exports: [AcceptMessage],
})
export class AcceptMessageModule {}
