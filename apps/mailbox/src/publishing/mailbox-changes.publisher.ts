import { randomUUID } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import { EventProducer, preparedQuery } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import { STATE_COLUMNS, type StateRow, statesOf } from '../changes/account-write.js';
import { changedSince } from '../changes/change-log.js';

export type ChangeCause = MailboxChangedV1['cause'];

/** Where an account's change came from, carried on its announcement. */
export interface ChangeOrigin {
  /** The trace context the event continues (`traceparent` headers). */
  traceHeaders?: Record<string, string>;
  /** For a delivery: when ingest accepted the earliest message stored by this change. */
  acceptedAt?: Date;
  /**
   * What the caller just committed for the account: its created ids need not be read back, and
   * the mailboxes they were filed in (`createdInMailboxIds`) can be announced with them.
   */
  committed?: {
    previousModseq: number;
    modseq: number;
    createdEmailIds: string[];
    createdInMailboxIds?: string[];
  };
}

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

  /**
   * Returns the events published. `cause` is what the caller changed; a delivery not yet announced
   * (its publish failed earlier) is announced as a delivery all the same.
   */
  async publishPending(
    accountIds: readonly string[],
    cause: ChangeCause,
    origins: ReadonlyMap<string, ChangeOrigin> = new Map(),
  ): Promise<MailboxChangedV1[]> {
    if (accountIds.length === 0) return [];
    const pending: Array<StateRow & { account_id: string; published_modseq: string }> = await preparedQuery(
      this.dataSource,
      'mailbox.unannounced-states',
      `SELECT account_id, published_modseq, ${STATE_COLUMNS}
           FROM mailbox.account_state
          WHERE account_id = ANY($1::uuid[]) AND modseq > published_modseq
          ORDER BY account_id`,
      [[...new Set(accountIds)]],
    );
    if (pending.length === 0) return [];

    const occurredAt = new Date().toISOString();
    const events: MailboxChangedV1[] = [];
    for (const row of pending) {
      const { ids: created, inMailboxes } = await this.createdSince(
        row,
        origins.get(row.account_id)?.committed,
      );
      const states = statesOf(row)!;
      // Only the types that changed since the last announcement: a flag change moves no thread.
      // Types announced after v1 travel beside `changed` (ADR 0092, ADR 0093).
      const { VacationResponse, Identity, EmailSubmission, ...changed } = changedSince(
        states,
        row.published_modseq,
      );
      const moreChanged = definedOnly({ Identity, EmailSubmission });
      const eventCause = states.deliveryModseq > Number(row.published_modseq) ? 'delivery' : cause;
      const acceptedAt = eventCause === 'delivery' ? origins.get(row.account_id)?.acceptedAt : undefined;
      events.push({
        eventId: randomUUID(),
        accountId: row.account_id,
        state: String(states.modseq),
        changed,
        ...(VacationResponse === undefined ? {} : { alsoChanged: { VacationResponse } }),
        ...(moreChanged === undefined ? {} : { moreChanged }),
        cause: eventCause,
        createdEmailIds: created,
        ...(inMailboxes && eventCause === 'delivery' ? { createdInMailboxIds: inMailboxes } : {}),
        occurredAt,
        ...(acceptedAt ? { acceptedAt: acceptedAt.toISOString() } : {}),
      });
    }

    await this.producer.publish(
      mailboxChangedTopic,
      events,
      (event) => origins.get(event.accountId)?.traceHeaders ?? {},
    );
    await preparedQuery(
      this.dataSource,
      'mailbox.mark-announced',
      // The rows are locked in account order first, as a delivery batch locks its accounts: an
      // update in join order could hold one account's row while waiting for another's that a
      // batch holds while it waits for the first (docs/guarantees.md, lock order).
      `WITH locked AS (
         SELECT account_id FROM mailbox.account_state
          WHERE account_id = ANY($1::uuid[])
          ORDER BY account_id
            FOR NO KEY UPDATE
       )
       UPDATE mailbox.account_state AS state
          SET published_modseq = GREATEST(state.published_modseq, announced.modseq)
         FROM unnest($1::uuid[], $2::bigint[]) AS announced (account_id, modseq)
        WHERE state.account_id = announced.account_id
          AND state.account_id IN (SELECT account_id FROM locked)`,
      [pending.map((row) => row.account_id), pending.map((row) => row.modseq)],
    );
    return events;
  }

  /**
   * Ids of the emails created between the last announced state and the current one, and the
   * mailboxes they were filed in when the caller's commit says (undefined: not known here).
   */
  private async createdSince(
    row: { account_id: string; published_modseq: string; modseq: string },
    committed: ChangeOrigin['committed'],
  ): Promise<{ ids: string[]; inMailboxes?: string[] }> {
    // Only the caller's own commit is unannounced: it knows what it created, and where.
    if (
      committed &&
      committed.previousModseq === Number(row.published_modseq) &&
      committed.modseq === Number(row.modseq)
    ) {
      return {
        ids: committed.createdEmailIds.slice(0, MAX_CREATED_IDS),
        ...(committed.createdInMailboxIds ? { inMailboxes: committed.createdInMailboxIds } : {}),
      };
    }
    const created: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM mailbox.emails
        WHERE account_id = $1 AND created_modseq > $2 AND created_modseq <= $3
        ORDER BY created_modseq, received_at, id
        LIMIT ${MAX_CREATED_IDS}`,
      [row.account_id, row.published_modseq, row.modseq],
    );
    return { ids: created.map((email) => email.id) };
  }
}

/** The entries with a value, or undefined when there is none. */
function definedOnly(record: Record<string, string | undefined>): Record<string, string> | undefined {
  const entries = Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}
