import { mailArrivedTopic, type MailArrivedV1 } from '@pushmail/contracts';
import type { EventProducer } from '@pushmail/platform';

/** Where accepted messages go. Resolves only once the events are durably stored. */
export interface MailArrivedPublisher {
  publish(events: readonly MailArrivedV1[], headers: Record<string, string>): Promise<void>;
}

export class KafkaMailArrivedPublisher implements MailArrivedPublisher {
  constructor(private readonly producer: EventProducer) {}

  async publish(events: readonly MailArrivedV1[], headers: Record<string, string>): Promise<void> {
    await this.producer.publish(mailArrivedTopic, events, headers);
  }
}
