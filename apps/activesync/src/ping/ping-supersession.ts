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

interface ParkedNotice {
  replica: string;
  deviceKey: string;
  parkedAt: number;
}

/**
 * A second Ping of a device ends the first on every replica: each Ping parked here is announced
 * with NOTIFY on the gateway's Postgres, and every replica LISTENs and ends the device's earlier
 * Ping it holds. A lost notice (the listening connection reconnecting) only leaves two Pings
 * held until one ends, as before; it never ends the wrong one.
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

  constructor(
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'ping-supersession' });
    pings.onParked((deviceKey, parkedAt) => {
      const notice: ParkedNotice = { replica: this.replica, deviceKey, parkedAt };
      const announced = preparedQuery(
        this.dataSource,
        'activesync.announce-parked-ping',
        'SELECT pg_notify($1, $2)',
        [PING_PARKED_CHANNEL, JSON.stringify(notice)],
      )
        .then(
          () => undefined,
          (error: unknown) => this.announceFailed(error),
        )
        .finally(() => this.announcing.delete(announced));
      this.announcing.add(announced);
    });
  }

  /**
   * A notice lost while the service stops is expected: the Ping it announced was answered
   * (Status 1) and its statement cancelled with its request, and the device Pings again elsewhere.
   * Those are counted and summed up once; any other failure is worth a warning of its own.
   */
  private announceFailed(error: unknown): void {
    if (this.closing || this.pings.closing) {
      this.failedWhileStopping += 1;
      return;
    }
    this.log.warn({ reason: (error as Error).message }, 'could not announce a parked Ping');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
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
    if (notice && notice.replica !== this.replica)
      this.pings.supersededElsewhere(notice.deviceKey, notice.parkedAt);
  }
}

export function parseNotice(payload: string | undefined): ParkedNotice | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<ParkedNotice>;
    return typeof value.replica === 'string' &&
      typeof value.deviceKey === 'string' &&
      typeof value.parkedAt === 'number'
      ? { replica: value.replica, deviceKey: value.deviceKey, parkedAt: value.parkedAt }
      : undefined;
  } catch {
    return undefined;
  }
}
