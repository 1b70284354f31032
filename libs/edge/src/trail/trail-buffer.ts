import { randomUUID } from 'node:crypto';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';

/** What the socket and auth code hand over; `at` defaults to now. */
export type TrailInput = Omit<DeviceTrailRecordV1, 'at'> & { at?: string };

export interface TrailBatch {
  batchId: string;
  accountId: string;
  source: string;
  records: DeviceTrailRecordV1[];
}

/** Kinds that happen on every heartbeat or push: consecutive ones of a device fold into one record with a count. */
const FOLDED_KINDS = new Set<DeviceTrailRecordV1['kind']>(['ping', 'pong', 'pushSent']);
const MAX_RECORDS_PER_BATCH = 500;

/** A record as buffered: the time is kept as a number and formatted only when the batch goes out. */
type BufferedRecord = Omit<DeviceTrailRecordV1, 'at'> & { at?: string; atMs: number };

/**
 * Keeps diagnostic records in memory until the next flush. Recording is a synchronous array push,
 * so the push path never waits on Kafka; past `maxBuffered` records new ones are dropped and
 * counted rather than let memory grow while Kafka is away.
 */
export class TrailBuffer {
  private byAccount = new Map<string, BufferedRecord[]>();
  private buffered = 0;
  dropped = 0;

  /** @param source the replica the records come from, as operations shows it */
  constructor(
    private readonly maxBuffered: number,
    readonly source: string,
  ) {}

  get size(): number {
    return this.buffered;
  }

  record(accountId: string, input: TrailInput): void {
    const records = this.byAccount.get(accountId) ?? [];
    const last = records[records.length - 1];
    if (
      last &&
      FOLDED_KINDS.has(input.kind) &&
      // An ActiveSync Ping record carries its own heartbeat and folders, which a fold would lose.
      input.activesync === undefined &&
      last.activesync === undefined &&
      last.kind === input.kind &&
      last.deviceId === input.deviceId
    ) {
      last.count = (last.count ?? 1) + 1;
      last.at = input.at;
      last.atMs = Date.now();
      return;
    }
    if (this.buffered >= this.maxBuffered) {
      this.dropped += 1;
      return;
    }
    const record: BufferedRecord = { ...input, atMs: Date.now() };
    if (record.detail !== undefined) record.detail = record.detail.slice(0, 500);
    records.push(record);
    this.byAccount.set(accountId, records);
    this.buffered += 1;
  }

  /** Takes everything buffered, as batches of at most 500 records per account. */
  drain(): TrailBatch[] {
    const taken = this.byAccount;
    this.byAccount = new Map();
    this.buffered = 0;
    const batches: TrailBatch[] = [];
    for (const [accountId, records] of taken) {
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
}

function toRecord({ atMs, at, ...rest }: BufferedRecord): DeviceTrailRecordV1 {
  return { ...rest, at: at ?? new Date(atMs).toISOString() };
}
