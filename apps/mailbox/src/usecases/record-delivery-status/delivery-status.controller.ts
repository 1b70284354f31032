import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { mailDeliveryStatusTopic, type MailDeliveryStatusV1 } from '@pushmail/contracts';
import { CONFIG, type ConsumedEvent, type ProviderLookup, subscription } from '@pushmail/platform';
import type { MailboxConfig } from '../../config/mailbox-config.js';
import { RecordDeliveryStatusUseCase } from './record-delivery-status.usecase.js';

const statuses = subscription((get: ProviderLookup) => ({
  groupId:
    get<MailboxConfig>(CONFIG).MAILBOX_DELIVERY_STATUS_GROUP ??
    `${get<MailboxConfig>(CONFIG).MAILBOX_DELIVERY_GROUP}-status`,
  fromBeginning: true,
  isolateAfterAttempts: 3,
  readiness: 'delivery-status-consumer',
}));

/** Outbound's reports on each recipient of a submission; committed once stored. */
@Controller()
export class DeliveryStatusController {
  constructor(@Inject(RecordDeliveryStatusUseCase) private readonly record: RecordDeliveryStatusUseCase) {}

  @EventPattern<string>(mailDeliveryStatusTopic.name, statuses)
  async handle(@Payload() consumed: ConsumedEvent<MailDeliveryStatusV1>[]): Promise<void> {
    await this.record.execute(consumed.map(({ event }) => event));
  }
}
