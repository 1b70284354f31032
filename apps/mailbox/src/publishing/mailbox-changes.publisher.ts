import { randomUUID } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import { EventProducer, preparedQuery } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import { STATE_COLUMNS, type StateRow, statesOf } from '../changes/account-write.js';
import { type AccountStates, changedSince } from '../changes/change-log.js';
import { AnnouncementMarks } from './announcement-marks.js';

export type ChangeCause = MailboxChangedV1['cause'];

/** Where an account's change came from, carried on its announcement. */
export interface ChangeOrigin {
  /** The trace context the event continues (`traceparent` headers). */
  traceHeaders?: Record<string, string>;
  /** For a delivery: when ingest accepted the earliest message stored by this change. */
  acceptedAt?: Date;
  /**
   * What the caller just committed for the account, read under its lock: the states need not be
   * read again, its created ids need not be read back, and the mailboxes they were filed in
   * (`createdInMailboxIds`) can be announced with them.
   */
  committed?: {
    previousModseq: number;
    /** The account's mark of its last announced state when the caller took the lock. */
    publishedModseq: number;
    states: AccountStates;
    createdEmailIds: string[];
    createdInMailboxIds?: string[];
  };
}

/** An account with states not announced yet. */
interface Unannounced {
  accountId: string;
  /** The last state announced. */
  published: number;
  states: AccountStates;
}

const MAX_CREATED_IDS = 1000;

/**
 * Announces every committed state that has not been announced yet. A state is marked announced
 * only after the broker has the event, so a publish that fails after the commit is repeated when
 * the same events are redelivered, even though storing them again changes nothing. The marks are
 * written a moment later, several at once (AnnouncementMarks).
 */
@Injectable()
export class MailboxChangesPublisher {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(AnnouncementMarks) private readonly marks: AnnouncementMarks,
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
    const candidates: Unannounced[] = [];
    const toRead: string[] = [];
    for (const accountId of new Set(accountIds)) {
      const committed = origins.get(accountId)?.committed;
      // The caller's commit held the account's lock: its states are the account's newest, unless
      // a later commit moved them on, which announces itself.
      if (committed) {
        candidates.push({ accountId, published: committed.publishedModseq, states: committed.states });
      } else toRead.push(accountId);
    }
    if (toRead.length > 0) {
      const rows: Array<StateRow & { account_id: string; published_modseq: string }> = await preparedQuery(
        this.dataSource,
        'mailbox.unannounced-states',
        `SELECT account_id, published_modseq, ${STATE_COLUMNS}
             FROM mailbox.account_state
            WHERE account_id = ANY($1::uuid[]) AND modseq > published_modseq`,
        [toRead],
      );
      for (const row of rows)
        candidates.push({
          accountId: row.account_id,
          published: Number(row.published_modseq),
          states: statesOf(row)!,
        });
    }
    const pending = candidates
      .map((candidate) => ({
        ...candidate,
        published: this.marks.publishedOf(candidate.accountId, candidate.published),
      }))
      .filter((candidate) => candidate.states.modseq > candidate.published)
      .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
    if (pending.length === 0) return [];

    const occurredAt = new Date().toISOString();
    const events: MailboxChangedV1[] = [];
    for (const row of pending) {
      const { ids: created, inMailboxes } = await this.createdSince(
        row,
        origins.get(row.accountId)?.committed,
      );
      const { states } = row;
      // Only the types that changed since the last announcement: a flag change moves no thread.
      // Types announced after v1 travel beside `changed` (ADR 0092, ADR 0093).
      const { VacationResponse, Identity, EmailSubmission, ...changed } = changedSince(
        states,
        String(row.published),
      );
      const moreChanged = definedOnly({ Identity, EmailSubmission });
      const eventCause = states.deliveryModseq > row.published ? 'delivery' : cause;
      const acceptedAt = eventCause === 'delivery' ? origins.get(row.accountId)?.acceptedAt : undefined;
      events.push({
        eventId: randomUUID(),
        accountId: row.accountId,
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
    for (const row of pending) this.marks.announced(row.accountId, row.states.modseq);
    return events;
  }

  /**
   * Ids of the emails created between the last announced state and the current one, and the
   * mailboxes they were filed in when the caller's commit says (undefined: not known here).
   */
  private async createdSince(
    row: Unannounced,
    committed: ChangeOrigin['committed'],
  ): Promise<{ ids: string[]; inMailboxes?: string[] }> {
    // Only the caller's own commit is unannounced: it knows what it created, and where.
    if (
      committed &&
      committed.previousModseq === row.published &&
      committed.states.modseq === row.states.modseq
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
      [row.accountId, row.published, row.states.modseq],
    );
    return { ids: created.map((email) => email.id) };
  }
}

/** The entries with a value, or undefined when there is none. */
function definedOnly(record: Record<string, string | undefined>): Record<string, string> | undefined {
  const entries = Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}
