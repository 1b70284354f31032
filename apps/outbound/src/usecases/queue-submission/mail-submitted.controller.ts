import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { mailSubmittedTopic, type MailSubmittedV1 } from '@pushmail/contracts';
import { CONFIG, type ConsumedEvent, type ProviderLookup, subscription } from '@pushmail/platform';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { QueueSubmissionUseCase } from './queue-submission.usecase.js';

/** Every replica shares one group; a batch is committed once its recipients are queued. */
const submissions = subscription((get: ProviderLookup) => ({
  groupId: get<OutboundConfig>(CONFIG).OUTBOUND_GROUP,
  fromBeginning: true,
  isolateAfterAttempts: 3,
  readiness: 'mail-submitted-consumer',
}));

@Controller()
export class MailSubmittedController {
  constructor(@Inject(QueueSubmissionUseCase) private readonly queue: QueueSubmissionUseCase) {}

  @EventPattern<string>(mailSubmittedTopic.name, submissions)
  async handle(@Payload() consumed: ConsumedEvent<MailSubmittedV1>[]): Promise<void> {
    await this.queue.execute(consumed.map(({ event }) => event));
  }
}
