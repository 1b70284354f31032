import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../store/prepared-query.js';
import type { ChangeKind, ChangeType } from '../store/query-builder.js';
import { type AccountStates, mergeKinds } from './change-log.js';

interface StateRow {
  modseq: string;
  email_modseq: string;
  mailbox_modseq: string;
  thread_modseq: string;
  delivery_modseq: string;
  changes_horizon: string;
}

export const STATE_COLUMNS =
  'modseq, email_modseq, mailbox_modseq, thread_modseq, delivery_modseq, changes_horizon';

export function statesOf(row: StateRow | undefined): AccountStates | undefined {
  if (!row) return undefined;
  return {
    modseq: Number(row.modseq),
    emailModseq: Number(row.email_modseq),
    mailboxModseq: Number(row.mailbox_modseq),
    threadModseq: Number(row.thread_modseq),
    deliveryModseq: Number(row.delivery_modseq),
    changesHorizon: Number(row.changes_horizon),
  };
}

/**
 * One change transaction of one account. Opening it locks the account's state row until the
 * transaction ends, so an account's changes are serialised and its modseq moves by exactly one per
 * transaction that changed something; every object touched is recorded once in the change log.
 */
export class AccountWrite {
  private readonly entries = new Map<
    string,
    { type: ChangeType; objectId: string; kind: ChangeKind | null }
  >();
  private delivered = false;

  private constructor(
    readonly manager: EntityManager,
    readonly accountId: string,
    /** The states before this transaction. */
    readonly before: AccountStates,
  ) {}

  /** Must run inside a transaction; the lock is released when it ends. */
  static async open(manager: EntityManager, accountId: string): Promise<AccountWrite> {
    const lock = `SELECT ${STATE_COLUMNS} FROM mailbox.account_state WHERE account_id = $1 FOR UPDATE`;
    // An account's state row exists from its first change on, so one statement is the usual case.
    let rows = await preparedQuery<StateRow>(manager, 'mailbox.lock-account', lock, [accountId]);
    if (rows.length === 0) {
      await manager.query(
        'INSERT INTO mailbox.account_state (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING',
        [accountId],
      );
      rows = await preparedQuery<StateRow>(manager, 'mailbox.lock-account', lock, [accountId]);
    }
    return new AccountWrite(manager, accountId, statesOf(rows[0])!);
  }

  /** The modseq this transaction's changes carry. */
  get modseq(): number {
    return this.before.modseq + 1;
  }

  record(type: ChangeType, objectId: string, kind: ChangeKind): void {
    const key = `${type}\u0001${objectId}`;
    const known = this.entries.get(key);
    if (known) known.kind = mergeKinds(known.kind, kind);
    else this.entries.set(key, { type, objectId, kind });
  }

  /** New mail arrived in this transaction: the EmailDelivery state moves. */
  markDelivery(): void {
    this.delivered = true;
  }

  get changedSomething(): boolean {
    return this.rows().length > 0;
  }

  rows(): Array<{ type: ChangeType; objectId: string; kind: ChangeKind }> {
    return [...this.entries.values()].filter(
      (entry): entry is { type: ChangeType; objectId: string; kind: ChangeKind } => entry.kind !== null,
    );
  }

  /** Writes the change log and the new states; returns the states after, or those before if nothing changed. */
  async commit(): Promise<AccountStates> {
    const rows = this.rows();
    if (rows.length === 0) return this.before;
    const modseq = this.modseq;
    const touched = (type: ChangeType) => rows.some((row) => row.type === type);
    const after: AccountStates = {
      ...this.before,
      modseq,
      emailModseq: touched('Email') ? modseq : this.before.emailModseq,
      mailboxModseq: touched('Mailbox') ? modseq : this.before.mailboxModseq,
      threadModseq: touched('Thread') ? modseq : this.before.threadModseq,
      deliveryModseq: this.delivered ? modseq : this.before.deliveryModseq,
    };
    // The new states and the change rows in one round trip.
    await preparedQuery(
      this.manager,
      'mailbox.commit-account-write',
      `WITH state AS (
         UPDATE mailbox.account_state
            SET modseq = $2, email_modseq = $6, mailbox_modseq = $7, thread_modseq = $8, delivery_modseq = $9,
                updated_at = now()
          WHERE account_id = $1
       )
       INSERT INTO mailbox.changes (account_id, modseq, type, object_id, kind)
       SELECT $1, $2, change.type, change.object_id, change.kind
         FROM unnest($3::text[], $4::text[], $5::text[]) AS change (type, object_id, kind)`,
      [
        this.accountId,
        modseq,
        rows.map((row) => row.type),
        rows.map((row) => row.objectId),
        rows.map((row) => row.kind),
        after.emailModseq,
        after.mailboxModseq,
        after.threadModseq,
        after.deliveryModseq,
      ],
    );
    return after;
  }
}
