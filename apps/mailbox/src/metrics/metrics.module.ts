import { metricsModule } from '@pushmail/platform';
import { MailboxMetrics } from './mailbox-metrics.js';

export const MetricsModule = metricsModule(MailboxMetrics);
