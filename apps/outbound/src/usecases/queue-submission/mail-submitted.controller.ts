import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  mailSubmittedTopic,
  type MailSubmittedV1,
  mailSubmittedV2Topic,
  type MailSubmittedV2,
} from '@pushmail/contracts';
import { CONFIG, type ConsumedEvent, type ProviderLookup, subscription } from '@pushmail/platform';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { QueueSubmissionUseCase } from './queue-submission.usecase.js';

/** Every replica shares one group per topic; a batch is committed once its recipients are queued. */
const submissions = (groupOf: (config: OutboundConfig) => string) =>
  subscription((get: ProviderLookup) => ({
    groupId: groupOf(get<OutboundConfig>(CONFIG)),
    fromBeginning: true,
    isolateAfterAttempts: 3,
    readiness: 'mail-submitted-consumer',
  }));

/**
 * The group that reads v2: a group of its own, because members of one group that subscribe to
 * different topics would be handed each other's partitions.
 */
export const submittedV2GroupOf = (config: Pick<OutboundConfig, 'OUTBOUND_GROUP'>): string =>
  `${config.OUTBOUND_GROUP}-submitted-v2`;

@Controller()
export class MailSubmittedController {
  constructor(@Inject(QueueSubmissionUseCase) private readonly queue: QueueSubmissionUseCase) {}

  /** What mailbox writes now; its envelope sender may be the null reverse-path. */
  @EventPattern<string>(mailSubmittedV2Topic.name, submissions(submittedV2GroupOf))
  async handle(@Payload() consumed: ConsumedEvent<MailSubmittedV2>[]): Promise<void> {
    await this.queue.execute(consumed.map(({ event }) => event));
  }

  /** What mailbox wrote before v2: read until the topic is retired, so nothing written there is lost. */
  @EventPattern<string>(mailSubmittedTopic.name, submissions((config) => config.OUTBOUND_GROUP))
  async handleV1(@Payload() consumed: ConsumedEvent<MailSubmittedV1>[]): Promise<void> {
    await this.queue.execute(consumed.map(({ event }) => event));
  }
}
