import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import { CONFIG, type ConsumedEvent, type ProviderLookup, subscription } from '@pushmail/platform';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { DeliveryWorker } from '../deliver-queued/delivery-worker.service.js';
import { QueueSubmissionUseCase } from './queue-submission.usecase.js';

/**
 * The group that reads the submissions, named after `OUTBOUND_GROUP`: the name it took when a group
 * called `OUTBOUND_GROUP` itself read v1 beside it (v1 is retired, ADR 0094), kept so that its
 * committed offsets hold.
 */
export const submittedV2GroupOf = (config: Pick<OutboundConfig, 'OUTBOUND_GROUP'>): string =>
  `${config.OUTBOUND_GROUP}-submitted-v2`;

@Controller()
export class MailSubmittedController {
  constructor(
    @Inject(QueueSubmissionUseCase) private readonly queue: QueueSubmissionUseCase,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
  ) {}

  /**
   * Every replica shares the group; a batch is committed once its recipients are queued. The envelope
   * sender may be the null reverse-path.
   */
  @EventPattern<string>(
    mailSubmittedV2Topic.name,
    subscription((get: ProviderLookup) => ({
      groupId: submittedV2GroupOf(get<OutboundConfig>(CONFIG)),
      fromBeginning: true,
      isolateAfterAttempts: 3,
      readiness: 'mail-submitted-consumer',
    })),
  )
  async handle(@Payload() consumed: ConsumedEvent<MailSubmittedV2>[]): Promise<void> {
    await this.queue.execute(consumed.map(({ event }) => event));
    // Sent as soon as they are queued, not at the next poll.
    this.worker.wake();
  }
}
