import { randomUUID } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import { EventProducer } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import { stateStrings } from '../changes/change-log.js';

const MAX_CREATED_IDS = 1000;

/**
 * Announces every committed state that has not been announced yet. A state is marked announced
 * only after the broker has the event, so a publish that fails after the commit is repeated when
 * the same events are redelivered, even though storing them again changes nothing.
 */
@Injectable()
export class MailboxChangesPublisher {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
  ) {}

  /** Returns the events published. */
  async publishPending(accountIds: readonly string[]): Promise<MailboxChangedV1[]> {
    if (accountIds.length === 0) return [];
    const pending: Array<{
      account_id: string;
      modseq: string;
      delivery_modseq: string;
      published_modseq: string;
    }> = await this.dataSource.query(
      `SELECT account_id, modseq, delivery_modseq, published_modseq
           FROM mailbox.account_state
          WHERE account_id = ANY($1::uuid[]) AND modseq > published_modseq
          ORDER BY account_id`,
      [[...new Set(accountIds)]],
    );
    if (pending.length === 0) return [];

    const occurredAt = new Date().toISOString();
    const events: MailboxChangedV1[] = [];
    for (const row of pending) {
      const created: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id FROM mailbox.emails
          WHERE account_id = $1 AND created_modseq > $2 AND created_modseq <= $3
          ORDER BY created_modseq, received_at, id
          LIMIT ${MAX_CREATED_IDS}`,
        [row.account_id, row.published_modseq, row.modseq],
      );
      const { state, changed } = stateStrings({
        modseq: Number(row.modseq),
        deliveryModseq: Number(row.delivery_modseq),
        changesHorizon: 0,
      });
      events.push({
        eventId: randomUUID(),
        accountId: row.account_id,
        state,
        changed,
        cause: 'delivery',
        createdEmailIds: created.map((email) => email.id),
        occurredAt,
      });
    }

    await this.producer.publish(mailboxChangedTopic, events);
    await this.dataSource.query(
      `UPDATE mailbox.account_state AS state
          SET published_modseq = GREATEST(state.published_modseq, announced.modseq)
         FROM unnest($1::uuid[], $2::bigint[]) AS announced (account_id, modseq)
        WHERE state.account_id = announced.account_id`,
      [pending.map((row) => row.account_id), pending.map((row) => row.modseq)],
    );
    return events;
  }
}
