import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CONFIG, LOGGER, preparedQuery } from '@pushmail/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { PingRegistry } from './ping-registry.js';

/** The channel, in the gateway's own database, on which replicas tell each other of parked Pings. */
export const PING_PARKED_CHANNEL = 'activesync_ping_parked';
const RECONNECT_MS = 1000;
/** How long a parked Ping waits to be announced, with the others parked meanwhile. */
export const NOTICE_BATCH_MS = 200;
/**
 * The bytes of parked Pings one notice carries: a NOTIFY payload must stay under 8,000 bytes, and
 * the rest of the notice (the replica's id, the brackets) fits in what is left.
 */
const NOTICE_MAX_BYTES = 7000;

/** The Pings a replica parked: each device's key and when its Ping was parked (epoch ms). */
interface ParkedNotice {
  replica: string;
  parked: Array<[deviceKey: string, parkedAt: number]>;
}

/**
 * A second Ping of a device ends the first on every replica: the Pings parked here are announced
 * with NOTIFY on the gateway's Postgres, those of NOTICE_BATCH_MS in one notice (a statement per
 * Ping was one per delivered message for the gateway and a wake-up of every replica), and every
 * replica LISTENs and ends the device's earlier Ping it holds. A lost notice (the listening
 * connection reconnecting) only leaves two Pings held until one ends, as before; it never ends the
 * wrong one.
 */
@Injectable()
export class PingSupersession implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly replica = randomUUID();
  private readonly log: Logger;
  private listener: pg.Client | undefined;
  private closing = false;
  /** Announcements still running: a stopping service waits for them before it sums them up. */
  private readonly announcing = new Set<Promise<void>>();
  /** Announcements that failed once the service had begun to stop: one line for all of them. */
  private failedWhileStopping = 0;
  /** Parked here and not announced yet: device key → when its Ping was parked. */
  private queued = new Map<string, number>();
  private batchTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'ping-supersession' });
    pings.onParked((deviceKey, parkedAt) => {
      this.queued.set(deviceKey, parkedAt);
      this.batchTimer ??= setTimeout(() => this.announceQueued(), NOTICE_BATCH_MS);
    });
  }

  /** Announces the Pings parked since the last notice, in as few notices as fit. */
  announceQueued(): Promise<void> {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const queued = [...this.queued];
    this.queued = new Map();
    const sent = noticesOf(this.replica, queued).map(({ payload, pings }) => {
      const announced = preparedQuery(
        this.dataSource,
        'activesync.announce-parked-ping',
        'SELECT pg_notify($1, $2)',
        [PING_PARKED_CHANNEL, payload],
      )
        .then(
          () => undefined,
          (error: unknown) => this.announceFailed(error, pings),
        )
        .finally(() => this.announcing.delete(announced));
      this.announcing.add(announced);
      return announced;
    });
    return Promise.all(sent).then(() => undefined);
  }

  /**
   * A notice lost while the service stops is expected: the Ping it announced was answered
   * (Status 1) and its statement cancelled with its request, and the device Pings again elsewhere.
   * Those are counted and summed up once; any other failure is worth a warning of its own.
   */
  private announceFailed(error: unknown, pings: number): void {
    if (this.closing || this.pings.closing) {
      this.failedWhileStopping += pings;
      return;
    }
    this.log.warn({ reason: (error as Error).message, pings }, 'could not announce parked Pings');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    // Those not announced yet were answered when the service began to stop.
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.failedWhileStopping += this.queued.size;
    this.queued.clear();
    await Promise.allSettled([...this.announcing]);
    if (this.failedWhileStopping > 0)
      this.log.info(
        { notices: this.failedWhileStopping },
        'parked Pings answered at shutdown were not announced to other replicas',
      );
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL });
    this.listener = client;
    client.on('notification', (message) => this.received(message.payload));
    client.on('error', (error) => {
      this.log.warn({ reason: error.message }, 'the parked-Ping listener lost its connection');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${PING_PARKED_CHANNEL}`);
    } catch (error) {
      this.log.warn({ reason: (error as Error).message }, 'the parked-Ping listener could not connect');
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.closing || this.listener !== client) return;
    this.listener = undefined;
    void client.end().catch(() => undefined);
    setTimeout(() => void this.listen(), RECONNECT_MS).unref();
  }

  private received(payload: string | undefined): void {
    const notice = parseNotice(payload);
    if (!notice || notice.replica === this.replica) return;
    for (const [deviceKey, parkedAt] of notice.parked) this.pings.supersededElsewhere(deviceKey, parkedAt);
  }
}

/** The queued Pings as notices under the payload limit, each with how many Pings it carries. */
export function noticesOf(
  replica: string,
  queued: ReadonlyArray<[string, number]>,
): Array<{ payload: string; pings: number }> {
  const notices: Array<{ payload: string; pings: number }> = [];
  let parked: Array<[string, number]> = [];
  let bytes = 0;
  const close = () => {
    if (parked.length === 0) return;
    notices.push({
      payload: JSON.stringify({ replica, parked } satisfies ParkedNotice),
      pings: parked.length,
    });
    parked = [];
    bytes = 0;
  };
  for (const entry of queued) {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (bytes + size > NOTICE_MAX_BYTES) close();
    parked.push(entry);
    bytes += size;
  }
  close();
  return notices;
}

/**
 * A notice of parked Pings; also the single-Ping form (`deviceKey`, `parkedAt`) that replicas sent
 * before notices were batched, so that replicas of both kinds understand each other during an
 * upgrade. Anything else is ignored.
 */
export function parseNotice(payload: string | undefined): ParkedNotice | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Record<string, unknown>;
    if (typeof value.replica !== 'string') return undefined;
    if (typeof value.deviceKey === 'string' && typeof value.parkedAt === 'number')
      return { replica: value.replica, parked: [[value.deviceKey, value.parkedAt]] };
    if (!Array.isArray(value.parked)) return undefined;
    const parked = value.parked.filter(
      (entry): entry is [string, number] =>
        Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number',
    );
    return { replica: value.replica, parked };
  } catch {
    return undefined;
  }
}
