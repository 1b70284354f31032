import { Module } from '@nestjs/common';
import { MailboxMetrics } from './mailbox-metrics.js';

@Module({
  providers: [{ provide: MailboxMetrics, useFactory: () => new MailboxMetrics() }],
  exports: [MailboxMetrics],
})
export class MetricsModule {}
