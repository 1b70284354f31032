import { type Selectable, sql } from 'kysely';
import type { EntityManager } from 'typeorm';
import { type ChangeKind, type ChangeType, PreparedStatement } from '../store/query-builder.js';
import type { AccountStateTable } from '../store/schema.generated.js';
import { writtenOut } from '../store/begun-transaction.js';
import { type AccountStates, isChangeKind, isChangeType, mergeKinds } from './change-log.js';

const STATE_COLUMN_NAMES = [
  'modseq',
  'email_modseq',
  'mailbox_modseq',
  'thread_modseq',
  'identity_modseq',
  'submission_modseq',
  'delivery_modseq',
  'vacation_modseq',
  'changes_horizon',
] as const;

/** The states columns of mailbox.account_state, as Postgres returns them. */
export type StateRow = Pick<Selectable<AccountStateTable>, (typeof STATE_COLUMN_NAMES)[number]>;

export const STATE_COLUMNS = STATE_COLUMN_NAMES.join(', ');

export function statesOf(row: StateRow | undefined): AccountStates | undefined {
  if (!row) return undefined;
  return {
    modseq: Number(row.modseq),
    emailModseq: Number(row.email_modseq),
    mailboxModseq: Number(row.mailbox_modseq),
    threadModseq: Number(row.thread_modseq),
    identityModseq: Number(row.identity_modseq),
    submissionModseq: Number(row.submission_modseq),
    deliveryModseq: Number(row.delivery_modseq),
    vacationModseq: Number(row.vacation_modseq),
    changesHorizon: Number(row.changes_horizon),
  };
}

/** The account's state row as a statement that took its lock read it. */
export type LockedRow = StateRow & Pick<Selectable<AccountStateTable>, 'published_modseq'>;

const LOCK_ACCOUNT = new PreparedStatement<{ accountId: string }, LockedRow>(
  'mailbox.lock-account',
  (slot) =>
    sql<LockedRow>`SELECT ${sql.raw(STATE_COLUMNS)}, published_modseq FROM mailbox.account_state
      WHERE account_id = ${slot('accountId')} FOR UPDATE`,
);

/** The states after a change (the horizon moves only when the log is pruned) and its change rows. */
type CommitValues = Omit<AccountStates, 'changesHorizon'> & {
  accountId: string;
  types: string[];
  objectIds: string[];
  kinds: string[];
};

/** The new states and the change rows in one round trip. */
const COMMIT_ACCOUNT_WRITE = new PreparedStatement<CommitValues, never>(
  'mailbox.commit-account-write',
  (slot) => sql<never>`WITH state AS (
      UPDATE mailbox.account_state
         SET modseq = ${slot('modseq')}, email_modseq = ${slot('emailModseq')},
             mailbox_modseq = ${slot('mailboxModseq')}, thread_modseq = ${slot('threadModseq')},
             identity_modseq = ${slot('identityModseq')}, submission_modseq = ${slot('submissionModseq')},
             delivery_modseq = ${slot('deliveryModseq')}, vacation_modseq = ${slot('vacationModseq')},
             updated_at = now()
       WHERE account_id = ${slot('accountId')}
    )
    INSERT INTO mailbox.changes (account_id, modseq, type, object_id, kind)
    SELECT ${slot('accountId')}, ${slot('modseq')}, change.type, change.object_id, change.kind
      FROM unnest(${slot('types')}::text[], ${slot('objectIds')}::text[], ${slot('kinds')}::text[])
           AS change (type, object_id, kind)`,
);

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
  private vacationChanged = false;

  private constructor(
    readonly manager: EntityManager,
    readonly accountId: string,
    /** The states before this transaction. */
    readonly before: AccountStates,
    /** The last state announced when the lock was taken, as the row said. */
    readonly publishedBefore: number,
  ) {}

  /**
   * Must run inside a transaction; the lock is released when it ends.
   *
   * Lock order (docs/guarantees.md, "Lock order"): every transaction that writes an account takes
   * this row (FOR UPDATE) before any other row of the account: emails (lockEmails, in id order),
   * email_mailboxes (the trigger), mailboxes, threads, the change log, submissions, the outbox,
   * identities, vacation. A transaction of several accounts (a delivery batch) takes their rows in
   * account_id order, and so does a statement that updates several accounts' rows outside such a
   * transaction (marking states announced, pruning the change log). So no two writers wait for
   * each other in a cycle; AccountChanges.write retries a deadlock all the same.
   */
  static async open(manager: EntityManager, accountId: string): Promise<AccountWrite> {
    // An account's state row exists from its first change on, so one statement is the usual case.
    let rows = await LOCK_ACCOUNT.run(manager, { accountId });
    if (rows.length === 0) {
      await manager.query(
        'INSERT INTO mailbox.account_state (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING',
        [accountId],
      );
      rows = await LOCK_ACCOUNT.run(manager, { accountId });
    }
    return AccountWrite.locked(manager, accountId, rows[0]!);
  }

  /**
   * The write of an account whose lock this transaction took with a statement of its own (one that
   * also read something else under it, as a delivery's first statement does), from the row it read.
   */
  static locked(manager: EntityManager, accountId: string, row: LockedRow): AccountWrite {
    return new AccountWrite(manager, accountId, statesOf(row)!, Number(row.published_modseq));
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

  /** The VacationResponse changed in this transaction: its state moves (it has no change log). */
  markVacationChange(): void {
    this.vacationChanged = true;
  }

  get changedSomething(): boolean {
    return this.rows().length > 0 || this.vacationChanged;
  }

  rows(): Array<{ type: ChangeType; objectId: string; kind: ChangeKind }> {
    return [...this.entries.values()].filter(
      (entry): entry is { type: ChangeType; objectId: string; kind: ChangeKind } => entry.kind !== null,
    );
  }

  /** Writes the change log and the new states; returns the states after, or those before if nothing changed. */
  async commit(): Promise<AccountStates> {
    if (!this.changedSomething) return this.before;
    const { after, values } = this.closing();
    await COMMIT_ACCOUNT_WRITE.run(this.manager, values);
    return after;
  }

  /**
   * As commit(), for the transaction's last statement: handed back written out (`last`), to go
   * with the COMMIT (transactionBegunWith), when every value can be (the change types and kinds
   * are known ones, the ids plain), and run as commit() runs it otherwise.
   */
  async commitLast(): Promise<{ after: AccountStates; last: string | undefined }> {
    if (!this.changedSomething) return { after: this.before, last: undefined };
    const { after, values } = this.closing();
    const known = values.types.every(isChangeType) && values.kinds.every(isChangeKind);
    const last = known ? writtenOut(COMMIT_ACCOUNT_WRITE, values) : undefined;
    if (last === undefined) await COMMIT_ACCOUNT_WRITE.run(this.manager, values);
    return { after, last };
  }

  /** The states after this transaction, and the values COMMIT_ACCOUNT_WRITE writes them with. */
  private closing(): { after: AccountStates; values: CommitValues } {
    const rows = this.rows();
    const modseq = this.modseq;
    const touched = (type: ChangeType) => rows.some((row) => row.type === type);
    const after: AccountStates = {
      ...this.before,
      modseq,
      emailModseq: touched('Email') ? modseq : this.before.emailModseq,
      mailboxModseq: touched('Mailbox') ? modseq : this.before.mailboxModseq,
      threadModseq: touched('Thread') ? modseq : this.before.threadModseq,
      identityModseq: touched('Identity') ? modseq : this.before.identityModseq,
      submissionModseq: touched('EmailSubmission') ? modseq : this.before.submissionModseq,
      deliveryModseq: this.delivered ? modseq : this.before.deliveryModseq,
      vacationModseq: this.vacationChanged ? modseq : this.before.vacationModseq,
    };
    const values: CommitValues = {
      ...after,
      accountId: this.accountId,
      types: rows.map((row) => row.type),
      objectIds: rows.map((row) => row.objectId),
      kinds: rows.map((row) => row.kind),
    };
    return { after, values };
  }
}
