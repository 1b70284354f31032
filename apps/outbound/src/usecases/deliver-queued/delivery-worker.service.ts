import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AccountsView, CONFIG, LOGGER, PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { DkimKeys } from '../../dkim/dkim-keys.service.js';
import { Outbox } from '../../publishing/outbox.js';
import { DeliverQueuedUseCase } from './deliver-queued.usecase.js';
import { SmtpSender } from './smtp-sender.js';

/**
 * Works the queue while the service runs, `DELIVERY_CONCURRENCY` attempts at a time, each in a slot
 * of its own: a slot that frees is filled again while the others still run, and a delivery queued
 * while every attempt is in flight is claimed as soon as a slot is free, so one slow receiver
 * (a tarpit, a greeting that takes minutes) holds one slot, not the whole queue. It looks for due
 * deliveries every poll, whenever woken, and when an attempt ends after a claim that filled every
 * free slot (more may be due). It starts once the accounts are known (a hosted address must never be
 * sent out over SMTP for want of its account) and on shutdown finishes the attempts in flight.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly claiming: PeriodicTask;
  private readonly inFlight = new Set<Promise<void>>();
  /** The last claim filled every free slot: more may be due once a slot frees. */
  private moreDue = false;

  constructor(
    @Inject(CONFIG) private readonly config: OutboundConfig,
    @Inject(DeliverQueuedUseCase) private readonly deliver: DeliverQueuedUseCase,
    @Inject(AccountsView) private readonly accounts: AccountsView,
    @Inject(SmtpSender) private readonly smtp: SmtpSender,
    @Inject(DkimKeys) private readonly dkim: DkimKeys,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.claiming = new PeriodicTask(
      config.QUEUE_POLL_MS,
      () => this.fillSlots(),
      (error) => this.logger.warn({ err: error }, 'working the outbound queue failed; will retry'),
    );
  }

  /**
   * Deliveries were queued or made due on this replica: it claims them now instead of at its next
   * poll (the poll still finds retries that come due, and what other replicas queued).
   */
  wake(): void {
    this.claiming.nudge();
  }

  onApplicationBootstrap(): void {
    this.claiming.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.claiming.stop();
    await Promise.all(this.inFlight);
    this.smtp.close();
  }

  private async fillSlots(): Promise<void> {
    await this.accounts.caughtUp;
    await this.dkim.loaded;
    const free = this.config.DELIVERY_CONCURRENCY - this.inFlight.size;
    if (free > 0) {
      const attempts = await this.deliver.startDue(free);
      for (const attempt of attempts) this.track(attempt);
      this.moreDue = attempts.length === free;
    } else this.moreDue = true;
  }

  private track(attempt: Promise<void>): void {
    const tracked: Promise<void> = attempt.finally(() => {
      this.inFlight.delete(tracked);
      // The outcome's events, published now rather than at the outbox's next sweep.
      this.outbox.publishSoon();
      if (this.moreDue) this.claiming.nudge();
    });
    this.inFlight.add(tracked);
  }
}
