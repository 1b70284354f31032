import type { MailboxChangedV1 } from '@pushmail/contracts';
import type { ConsumedEvent } from '@pushmail/platform';

interface Announced {
  emailState: string;
  /** The account's state (modseq) the announcement was made at: a late, older one does not replace it. */
  order: number;
  partition: number;
  expiresAt: number;
}

/** How long an announced state stands in for asking mailbox: under the shortest Ping heartbeat (60 s). */
const TTL_MS = 30_000;
/** The most accounts kept; past it the oldest announcements go first. */
const MAX_ACCOUNTS = 100_000;

/**
 * The latest Email state announced for each account whose changes this replica consumed lately
 * (ADR 0099). A Ping's first look at its folders takes it for mailbox's answer when it equals the
 * state the device holds: any later change is one whose announcement this replica has yet to
 * consume, and the Ping watches the account's arrivals from before that look. Trusted only while
 * this replica reads every announcement of the account without a gap: filled from consumed events
 * only, an account's entry is dropped when its partition's offsets skip (the consumer was reset
 * past events) and every entry ages out after `ttlMs`.
 */
export class AnnouncedEmailStates {
  /** In the order they were filled: the oldest first, so sweeping stops at the first one still fresh. */
  private readonly byAccount = new Map<string, Announced>();
  /** Per partition, the offset the next event is expected at. */
  private readonly nextOffset = new Map<number, bigint>();

  constructor(
    private readonly ttlMs = TTL_MS,
    private readonly maxAccounts = MAX_ACCOUNTS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byAccount.size;
  }

  /** The Email state last announced for the account, if this replica may take it for mailbox's. */
  emailStateOf(accountId: string): string | undefined {
    const announced = this.byAccount.get(accountId);
    if (!announced) return undefined;
    if (announced.expiresAt > this.now()) return announced.emailState;
    this.byAccount.delete(accountId);
    return undefined;
  }

  /** A batch of announcements as consumed: one partition's, in offset order. */
  noteConsumed(events: readonly ConsumedEvent<MailboxChangedV1>[]): void {
    const now = this.now();
    for (const { event, partition, offset } of events) {
      const at = BigInt(offset);
      const expected = this.nextOffset.get(partition);
      // Events were skipped (a consumer reset to the latest offset, an event left out): whatever
      // this replica knows of the partition's accounts may be older than an announcement it missed.
      if (expected !== undefined && at > expected) this.forgetPartition(partition);
      if (expected === undefined || at >= expected) this.nextOffset.set(partition, at + 1n);
      this.note(event, partition, now);
    }
    this.sweep(now);
  }

  private note(event: MailboxChangedV1, partition: number, now: number): void {
    const known = this.byAccount.get(event.accountId);
    const order = /^(0|[1-9][0-9]{0,14})$/.test(event.state) ? Number(event.state) : undefined;
    if (order === undefined) {
      // A state this gateway cannot order: nothing known of the account is trusted any more.
      this.byAccount.delete(event.accountId);
      return;
    }
    // A change that left the Email state alone (a Mailbox one) says nothing new of it; one
    // announced before the state kept (published late, or read again after a rejoin) is older.
    const emailState = event.changed.Email;
    if (emailState === undefined || (known && known.order >= order)) return;
    this.byAccount.delete(event.accountId);
    this.byAccount.set(event.accountId, { emailState, order, partition, expiresAt: now + this.ttlMs });
  }

  /** Forgets every account and partition: this replica stopped reading the announcements (ADR 0107). */
  forgetAll(): void {
    this.byAccount.clear();
    this.nextOffset.clear();
  }

  private forgetPartition(partition: number): void {
    for (const [accountId, announced] of this.byAccount)
      if (announced.partition === partition) this.byAccount.delete(accountId);
  }

  /** Drops the expired entries and, past the cap, the oldest. */
  private sweep(now: number): void {
    for (const [accountId, announced] of this.byAccount) {
      if (announced.expiresAt > now && this.byAccount.size <= this.maxAccounts) break;
      this.byAccount.delete(accountId);
    }
  }
}
