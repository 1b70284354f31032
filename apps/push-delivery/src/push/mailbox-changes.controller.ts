import { Controller, Inject, Optional, type BeforeApplicationShutdown } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mailboxChangedTopic, type MailboxChangedV1, pushedChanges } from '@pushmail/contracts';
import { CONFIG, subscription, type ConsumedEvent } from '@pushmail/platform';
import type { PushConfig } from '../config/push-config.js';
import { ChangeCoalescer } from './change-coalescer.js';
import { WEB_PUSH, type WebPush } from '../webpush/web-push.service.js';
import { PushFanout } from './push-fanout.service.js';

/**
 * Every replica reads every mailbox change (a consumer group of its own, from the latest offset:
 * a device that was offline catches up from its push state, not from history).
 */
const everyChange = subscription(() => ({
  groupId: `push-delivery-${hostname()}-${randomBytes(6).toString('hex')}`,
  fromBeginning: false,
  // A change pushed again after a rejoin is a state the device has seen: offsets go once a second.
  commitIntervalMs: 1000,
  readiness: 'mailbox-changes-consumer',
}));

/** Pushes each mailbox change to the sockets this replica holds. */
@Controller()
export class MailboxChangesController implements BeforeApplicationShutdown {
  private readonly coalescer: ChangeCoalescer;

  constructor(
    @Inject(CONFIG) config: PushConfig,
    @Inject(PushFanout) fanout: PushFanout,
    /** Web Push to subscriptions (RFC 8620 §7.2), when configured. */
    @Optional() @Inject(WEB_PUSH) webPush?: WebPush | null,
  ) {
    this.coalescer = new ChangeCoalescer(config.PUSH_COALESCE_MS, (change) => {
      webPush?.notify(change);
      return fanout.deliver(change);
    });
  }

  @EventPattern<string>(mailboxChangedTopic.name, everyChange)
  handle(@Payload() events: ConsumedEvent<MailboxChangedV1>[]): void {
    const receivedAt = performance.now();
    for (const { event, headers } of events) {
      const acceptedAt = event.acceptedAt === undefined ? undefined : Date.parse(event.acceptedAt);
      this.coalescer.add(event.accountId, pushedChanges(event), event.state, receivedAt, headers, acceptedAt);
    }
    this.coalescer.flushBatch();
  }

  /** The transport stopped consuming first (module destroy); what is still coalescing goes. */
  beforeApplicationShutdown(): void {
    this.coalescer.dispose();
  }
}
