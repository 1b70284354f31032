import { metricsModule } from '@pushmail/platform';
import { IngestMetrics } from './ingest-metrics.js';

export const MetricsModule = metricsModule(IngestMetrics);
