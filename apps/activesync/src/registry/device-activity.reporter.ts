import { Inject, Injectable } from '@nestjs/common';
import { type ActivityReport, DeviceActivityReporterBase, RegistryClient } from '@pushmail/edge';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ActiveSyncConfig } from '../config/activesync-config.js';

export interface EasSighting {
  accountId: string;
  deviceId: string;
  seenAt: Date;
  clientAddress: string | null;
  protocolVersion: string;
  command: string;
}

/**
 * Reports ActiveSync devices to device-registry the way push-delivery reports JMAP devices: when
 * each was last seen and from where, plus its protocol version, last command and the Ping
 * heartbeat it asked for. Only the latest sighting of a device is kept between reports.
 */
@Injectable()
export class DeviceActivityReporter extends DeviceActivityReporterBase<EasSighting> {
  private pending = new Map<string, EasSighting>();

  constructor(
    @Inject(RegistryClient) registry: RegistryClient,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(registry, config.DEVICE_ACTIVITY_FLUSH_MS, logger);
  }

  seen(sighting: EasSighting): void {
    this.pending.set(`${sighting.accountId}/${sighting.deviceId}`, sighting);
  }

  protected takeUnreported(): EasSighting[] {
    const sightings = [...this.pending.values()];
    this.pending = new Map();
    return sightings;
  }

  /** Gives back what was not reported, unless a newer sighting of the device came in meanwhile. */
  protected restore(unreported: EasSighting[]): void {
    for (const sighting of unreported) {
      const key = `${sighting.accountId}/${sighting.deviceId}`;
      if (!this.pending.has(key)) this.pending.set(key, sighting);
    }
  }

  protected async reportsOf(batch: EasSighting[]): Promise<ActivityReport[]> {
    const heartbeats = await this.heartbeatsOf(batch);
    return batch.map((sighting) => ({
      accountId: sighting.accountId,
      deviceId: sighting.deviceId,
      seenAt: sighting.seenAt.toISOString(),
      clientAddress: sighting.clientAddress,
      activesync: {
        protocolVersion: sighting.protocolVersion,
        lastCommand: sighting.command,
        heartbeatSeconds: heartbeats.get(`${sighting.accountId}/${sighting.deviceId}`) ?? null,
      },
    }));
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
