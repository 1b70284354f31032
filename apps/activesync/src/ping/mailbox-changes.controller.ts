import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import {
  CONFIG,
  type ConsumedEvent,
  OnDemandSubscriptions,
  type ProviderLookup,
  subscription,
} from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { standingKey } from '../protocol/refusal.js';
import { DeviceViews } from '../registry/device-views.js';
import { AnnouncedEmailStates } from './announced-email-states.js';
import { MAILBOX_CHANGES } from './mailbox-changes-subscription.js';
import { foldChange, type MailChange, PingRegistry } from './ping-registry.js';

/**
 * Every replica reads every mailbox change (a consumer group of its own, from the latest offset:
 * a device that was away catches up with its next Sync, not from history), like push-delivery.
 * `AnnouncedEmailStates` relies on it: a replica that read only some partitions would not hear of
 * the changes of the other partitions' accounts (ADR 0099). It reads them only while devices wait on
 * it: a replica none has waited on for `MAILBOX_CHANGES_IDLE_SECONDS` leaves its group until the
 * next Ping or held Sync (ADR 0107).
 */
const everyChange = subscription((get: ProviderLookup) => ({
  groupId: `activesync-${hostname()}-${randomBytes(6).toString('hex')}`,
  fromBeginning: false,
  // A Ping woken again by a change it was woken by finds nothing new: offsets go once a second.
  commitIntervalMs: 1000,
  readiness: 'mailbox-changes-consumer',
  onDemand: {
    name: MAILBOX_CHANGES,
    idleAfterMs: get<ActiveSyncConfig>(CONFIG).MAILBOX_CHANGES_IDLE_SECONDS * 1000,
  },
}));

/** Wakes the parked Pings of an account whose mail changed, and of a device whose standing moved. */
@Controller()
export class MailboxChangesController {
  constructor(
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(DeviceViews) views: DeviceViews,
    @Inject(AnnouncedEmailStates) private readonly announced: AnnouncedEmailStates,
    @Inject(OnDemandSubscriptions) onDemand: OnDemandSubscriptions,
  ) {
    onDemand.keepWhile(MAILBOX_CHANGES, () => pings.size > 0 || pings.watching > 0);
    // What was announced before the pause may be older than what was published during it.
    onDemand.onPaused(MAILBOX_CHANGES, () => announced.forgetAll());
    views.onAccountChanged((accountId) =>
      pings.standingChanged(accountId, (deviceKey) =>
        standingKey(views.standingOf(accountId, deviceKey.slice(accountId.length + 1))),
      ),
    );
  }

  @EventPattern<string>(mailboxChangedTopic.name, everyChange)
  handle(@Payload() events: ConsumedEvent<MailboxChangedV1>[]): void {
    // Noted before the Pings hear of the changes, in the same turn: a Ping that takes its first
    // look from now on reads the states these events announce.
    this.announced.noteConsumed(events);
    const accounts = new Map<string, MailChange>();
    for (const { event, headers } of events) {
      if (event.changed.Email === undefined && event.changed.Mailbox === undefined) continue;
      // The batch is in offset order, and an account's changes in order of their states: folded as a
      // parked Ping folds them (the earliest acceptance, the first trace, the last Email state, every
      // folder a delivery filed mail in).
      const change = accounts.get(event.accountId) ?? {};
      foldChange(change, {
        ...(event.acceptedAt === undefined ? {} : { acceptedAt: Date.parse(event.acceptedAt) }),
        traceHeaders: headers,
        ...(event.changed.Email === undefined ? {} : { emailState: event.changed.Email }),
        ...(event.createdInMailboxIds === undefined ? {} : { createdIn: event.createdInMailboxIds }),
      });
      accounts.set(event.accountId, change);
    }
    for (const [accountId, change] of accounts) this.pings.mailChanged(accountId, change);
  }
}
