import { Module } from '@nestjs/common';
import { IngestMetrics } from './ingest-metrics.js';

@Module({
  providers: [{ provide: IngestMetrics, useFactory: () => new IngestMetrics() }],
  exports: [IngestMetrics],
})
export class MetricsModule {}
