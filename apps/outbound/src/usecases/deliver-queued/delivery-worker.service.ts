import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AccountsView, CONFIG, LOGGER, PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { DkimKeys } from '../../dkim/dkim-keys.service.js';
import { DeliverQueuedUseCase } from './deliver-queued.usecase.js';
import { SmtpSender } from './smtp-sender.js';

/**
 * Works the queue while the service runs: every poll and whenever woken, deliveries that are due,
 * a batch at a time, until none is left. It starts once the accounts are known (a hosted address must never be sent
 * out over SMTP for want of its account) and on shutdown finishes the batch in hand.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly working: PeriodicTask;

  constructor(
    @Inject(CONFIG) private readonly config: OutboundConfig,
    @Inject(DeliverQueuedUseCase) private readonly deliver: DeliverQueuedUseCase,
    @Inject(AccountsView) private readonly accounts: AccountsView,
    @Inject(SmtpSender) private readonly smtp: SmtpSender,
    @Inject(DkimKeys) private readonly dkim: DkimKeys,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.working = new PeriodicTask(
      config.QUEUE_POLL_MS,
      async () => {
        await this.accounts.caughtUp;
        await this.dkim.loaded;
        while (
          (await this.deliver.execute(this.config.DELIVERY_CONCURRENCY)) === this.config.DELIVERY_CONCURRENCY
        ) {
          // A full batch: more may be due.
        }
      },
      (error) => this.logger.warn({ err: error }, 'working the outbound queue failed; will retry'),
    );
  }

  /**
   * Deliveries were queued or made due on this replica: it works them now instead of at its next
   * poll (the poll still finds retries that come due, and what other replicas queued).
   */
  wake(): void {
    this.working.nudge();
  }

  onApplicationBootstrap(): void {
    this.working.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.working.stop();
    this.smtp.close();
  }
}
