import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { RegistryClient, type ActivityReport } from '@pushmail/edge';

const MAX_PER_REPORT = 5000;

export interface EasSighting {
  accountId: string;
  deviceId: string;
  seenAt: Date;
  clientAddress: string | null;
  protocolVersion: string;
  command: string;
}

/**
 * Reports ActiveSync devices to device-registry the way push-delivery reports JMAP devices (the
 * same internal activity endpoint, in batches): when each was last seen and from where, plus its
 * protocol version, last command and the Ping heartbeat it asked for. A failed report is retried
 * with the next one; only the latest sighting of a device is kept in between.
 */
@Injectable()
export class DeviceActivityReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private pending = new Map<string, EasSighting>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private readonly log: Logger;

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'device-activity' });
  }

  seen(sighting: EasSighting): void {
    this.pending.set(`${sighting.accountId}/${sighting.deviceId}`, sighting);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.config.DEVICE_ACTIVITY_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Sends what was seen since the last report; one report at a time. */
  flush(): Promise<void> {
    this.running ??= this.report().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async report(): Promise<void> {
    const sightings = [...this.pending.values()];
    this.pending = new Map();
    for (let start = 0; start < sightings.length; start += MAX_PER_REPORT) {
      const batch = sightings.slice(start, start + MAX_PER_REPORT);
      try {
        const heartbeats = await this.heartbeatsOf(batch);
        await this.registry.reportActivity(
          batch.map((sighting): ActivityReport => ({
            accountId: sighting.accountId,
            deviceId: sighting.deviceId,
            seenAt: sighting.seenAt.toISOString(),
            clientAddress: sighting.clientAddress,
            activesync: {
              protocolVersion: sighting.protocolVersion,
              lastCommand: sighting.command,
              heartbeatSeconds: heartbeats.get(`${sighting.accountId}/${sighting.deviceId}`) ?? null,
            },
          })),
        );
        if (this.failing) this.log.info('reporting device activity recovered');
        this.failing = false;
      } catch (error) {
        // Give back what was not reported, unless a newer sighting of the device came in meanwhile.
        for (const sighting of sightings.slice(start)) {
          const key = `${sighting.accountId}/${sighting.deviceId}`;
          if (!this.pending.has(key)) this.pending.set(key, sighting);
        }
        if (!this.failing)
          this.log.warn(
            { reason: error instanceof Error ? error.message : String(error) },
            'reporting device activity failed; will retry',
          );
        this.failing = true;
        return;
      }
    }
  }

  /** The heartbeat of each device's last Ping, as the gateway keeps it. */
  private async heartbeatsOf(batch: readonly EasSighting[]): Promise<Map<string, number>> {
    const rows: Array<{ account_id: string; device_id: string; ping_heartbeat_seconds: number }> =
      await this.dataSource.query(
        `SELECT d.account_id, d.device_id, d.ping_heartbeat_seconds
           FROM activesync.devices d
           JOIN unnest($1::uuid[], $2::text[]) AS s(account_id, device_id)
             ON d.account_id = s.account_id AND d.device_id = s.device_id
          WHERE d.ping_heartbeat_seconds IS NOT NULL`,
        [batch.map((sighting) => sighting.accountId), batch.map((sighting) => sighting.deviceId)],
      );
    return new Map(rows.map((row) => [`${row.account_id}/${row.device_id}`, row.ping_heartbeat_seconds]));
  }
}
