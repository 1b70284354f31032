import { randomUUID } from 'node:crypto';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';

/** What the socket and auth code hand over; `at` defaults to now. */
export type TrailInput = Omit<DeviceTrailRecordV1, 'at' | 'firstAt'> & { at?: string };

export interface TrailBatch {
  batchId: string;
  accountId: string;
  source: string;
  records: DeviceTrailRecordV1[];
}

/** Kinds that happen on every heartbeat or push: a device's ones of a kind fold into one record with a count. */
const FOLDED_KINDS = new Set<DeviceTrailRecordV1['kind']>(['ping', 'pong', 'pushSent']);
const MAX_RECORDS_PER_BATCH = 500;

/** A record as buffered: times are kept as numbers and formatted only when the batch goes out. */
interface BufferedRecord extends Omit<DeviceTrailRecordV1, 'at' | 'firstAt'> {
  at?: string;
  atMs: number;
  /** Of a fold: its first record's time (`at`/`atMs` are its last's). */
  firstAt?: string;
  firstAtMs?: number;
}

/** An account's records: those ready to go, in order, and the folds still open, by device and kind. */
interface AccountRecords {
  closed: BufferedRecord[];
  open: Map<string, BufferedRecord>;
}

/** How long a fold stays open from its first record, by what it folds (0: only until the next drain). */
export interface FoldWindows {
  /** Pushes (`pushSent`). */
  pushMs?: number;
  /** The WebSocket heartbeat (`ping`, `pong`). */
  heartbeatMs?: number;
}

const foldKey = (deviceId: string | null, kind: string): string => `${deviceId ?? ''}\n${kind}`;

const foldable = (input: TrailInput): boolean =>
  FOLDED_KINDS.has(input.kind) &&
  // An ActiveSync Ping record carries its own heartbeat and folders, which a fold would lose.
  input.activesync === undefined;

/**
 * Keeps diagnostic records in memory until the next flush. Recording is a synchronous array push,
 * so the push path never waits on Kafka; past `maxBuffered` records ready to go, new ones are
 * dropped and counted rather than let memory grow while Kafka is away. Open folds are not held to
 * that bound: there are at most three per device with a live socket, and a disconnect closes them.
 *
 * A device's pings, pongs and pushes fold: each kind into one open record of that device, with a
 * count, the first one's time (`firstAt`) and the last one's (`at`), whatever other devices (or the
 * device's other folded kinds) recorded meanwhile. A fold stays open for its window (`windows`)
 * from its first record and goes out with the first drain after that, or at once, ahead of it, when
 * the device records anything else (a request, a connect or disconnect…): every record of a device
 * other than these three kinds keeps its place among the device's folds, so the pushes before a
 * fetch are never reported after it. Counts are exact; nothing is sampled.
 */
export class TrailBuffer {
  private byAccount = new Map<string, AccountRecords>();
  /** Records ready to go (open folds closed included). */
  private ready = 0;
  private openFolds = 0;
  dropped = 0;

  /**
   * @param source the replica the records come from, as operations shows it
   * @param windows how long folds stay open from their first record
   */
  constructor(
    private readonly maxBuffered: number,
    readonly source: string,
    private readonly windows: FoldWindows = {},
  ) {}

  /** Records held: ready ones and open folds. */
  get size(): number {
    return this.ready + this.openFolds;
  }

  record(accountId: string, input: TrailInput): void {
    const now = Date.now();
    let account = this.byAccount.get(accountId);
    const folds = foldable(input);
    if (folds) {
      const open = account?.open.get(foldKey(input.deviceId, input.kind));
      if (open) {
        if (open.count === undefined) {
          open.firstAt = open.at;
          open.firstAtMs = open.atMs;
        }
        open.count = (open.count ?? 1) + 1;
        open.at = input.at;
        open.atMs = now;
        return;
      }
    } else {
      if (account) this.closeDevice(account, input.deviceId);
      if (this.ready >= this.maxBuffered) {
        this.dropped += 1;
        return;
      }
    }
    const record: BufferedRecord = { ...input, atMs: now };
    if (record.detail !== undefined) record.detail = record.detail.slice(0, 500);
    if (!account) {
      account = { closed: [], open: new Map() };
      this.byAccount.set(accountId, account);
    }
    if (folds) {
      account.open.set(foldKey(input.deviceId, input.kind), record);
      this.openFolds += 1;
    } else {
      account.closed.push(record);
      this.ready += 1;
    }
  }

  /** Whether the account has records waiting, ready or in an open fold. */
  holds(accountId: string): boolean {
    return this.byAccount.has(accountId);
  }

  /**
   * Takes every record that is ready (and the folds open for their window or longer, or all of them
   * with `everything`, at shutdown), as batches of at most 500 records per account.
   */
  drain(everything = false): TrailBatch[] {
    const now = everything ? Number.POSITIVE_INFINITY : Date.now();
    const pushMs = this.windows.pushMs ?? 0;
    const heartbeatMs = this.windows.heartbeatMs ?? 0;
    const batches: TrailBatch[] = [];
    for (const [accountId, account] of this.byAccount) {
      for (const [key, fold] of account.open) {
        const windowMs = fold.kind === 'pushSent' ? pushMs : heartbeatMs;
        if ((fold.firstAtMs ?? fold.atMs) + windowMs <= now) this.closeFold(account, key, fold);
      }
      const records = account.closed;
      this.ready -= records.length;
      account.closed = [];
      if (account.open.size === 0) this.byAccount.delete(accountId);
      for (let start = 0; start < records.length; start += MAX_RECORDS_PER_BATCH) {
        batches.push({
          batchId: randomUUID(),
          accountId,
          source: this.source,
          records: records.slice(start, start + MAX_RECORDS_PER_BATCH).map(toRecord),
        });
      }
    }
    return batches;
  }

  /** Moves a device's open folds to its account's ready records, in the order they were opened. */
  private closeDevice(account: AccountRecords, deviceId: string | null): void {
    for (const [key, fold] of account.open)
      if (fold.deviceId === deviceId) this.closeFold(account, key, fold);
  }

  /** An open fold joins its account's ready records, after those already there. */
  private closeFold(account: AccountRecords, key: string, fold: BufferedRecord): void {
    account.open.delete(key);
    account.closed.push(fold);
    this.openFolds -= 1;
    this.ready += 1;
  }
}

function toRecord({ atMs, at, firstAtMs, firstAt, ...rest }: BufferedRecord): DeviceTrailRecordV1 {
  const record: DeviceTrailRecordV1 = { ...rest, at: at ?? new Date(atMs).toISOString() };
  if (firstAtMs !== undefined) record.firstAt = firstAt ?? new Date(firstAtMs).toISOString();
  return record;
}
