import { Inject, Injectable } from '@nestjs/common';
import { preparedQuery } from '@pushmail/platform';
import { DataSource, type Repository } from 'typeorm';
import { EasDevice } from './entities/eas-device.entity.js';
import type { HeldFolder } from './entities/folder-state.entity.js';
import type { HeldItem } from './entities/sync-state.entity.js';
import { type DeviceHierarchy, hierarchyOf } from './sync-store.js';

/**
 * How stale the row's `last_command` and `last_seen_at` may grow: a phone in the Direct Push cycle
 * sends a Ping and a Sync per message, and writing both columns each time was a row version per
 * command. What administrators see of a device's last contact is reported to device-registry from
 * memory (`DeviceActivityReporter`), not read from these columns.
 */
export const SEEN_WRITE_INTERVAL_SECONDS = 60;

/**
 * The upsert of a device's contact (its values are `touchValues`), and the device as it then stands,
 * as the relation `d`: the row is written on first contact, when the device's type, user agent or
 * protocol version moved, or when its last write is `SEEN_WRITE_INTERVAL_SECONDS` old; otherwise it
 * is read as it is (within the statement's snapshot; a row another request inserted meanwhile is
 * not in it, and `touch` reads it again).
 */
const TOUCH = `WITH touched AS (
  INSERT INTO activesync.devices AS d
         (account_id, device_id, device_type, user_agent, protocol_version, last_command, last_seen_at)
  VALUES ($1, $2, $3, $4, $5, $6, now())
  ON CONFLICT (account_id, device_id) DO UPDATE
     SET device_type = EXCLUDED.device_type, user_agent = EXCLUDED.user_agent,
         protocol_version = EXCLUDED.protocol_version, last_command = EXCLUDED.last_command,
         last_seen_at = EXCLUDED.last_seen_at
   WHERE (d.device_type, d.user_agent, d.protocol_version)
           IS DISTINCT FROM (EXCLUDED.device_type, EXCLUDED.user_agent, EXCLUDED.protocol_version)
      OR d.last_seen_at <= EXCLUDED.last_seen_at - interval '${SEEN_WRITE_INTERVAL_SECONDS} seconds'
  RETURNING d.*
), d AS (
  SELECT * FROM touched
  UNION ALL
  SELECT * FROM activesync.devices
   WHERE account_id = $1 AND device_id = $2 AND NOT EXISTS (SELECT FROM touched)
)`;

function touchValues(contact: DeviceContact): unknown[] {
  return [
    contact.accountId,
    contact.deviceId,
    contact.deviceType,
    contact.userAgent,
    contact.protocolVersion,
    contact.command,
  ];
}

export interface DeviceContact {
  accountId: string;
  deviceId: string;
  deviceType: string;
  userAgent: string | null;
  protocolVersion: string;
  command: string;
}

/**
 * The gateway's record of each EAS partnership: created on first contact, refreshed by the commands
 * (its last command and contact at most `SEEN_WRITE_INTERVAL_SECONDS` behind).
 */
@Injectable()
export class DeviceStore {
  private readonly devices: Repository<EasDevice>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.devices = dataSource.getRepository(EasDevice);
  }

  find(accountId: string, deviceId: string): Promise<EasDevice | null> {
    return this.devices.findOneBy({ accountId, deviceId });
  }

  /**
   * The model and OS a device told in Settings, from its row under the account `belongs` picks
   * (a phone may hold several accounts under one DeviceId).
   */
  async describedAs(
    deviceId: string,
    belongs: (accountId: string) => boolean,
  ): Promise<{ model: string | null; os: string | null } | null> {
    const rows = await this.devices.find({
      where: { deviceId },
      select: { accountId: true, model: true, os: true },
      take: 20,
    });
    const row = rows.find((candidate) => belongs(candidate.accountId));
    return row ? { model: row.model, os: row.os } : null;
  }

  /**
   * Records the contact and returns the device as it now stands, in one statement: every command
   * touches the device, and reading the row back in a second one cost a round trip each time. The
   * statement is written out and prepared once per connection: built by the query builder, it cost
   * the gateway more CPU than PostgreSQL spent running it.
   */
  async touch(contact: DeviceContact): Promise<EasDevice> {
    const [row] = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      'activesync.touch-device',
      `${TOUCH} SELECT * FROM d`,
      touchValues(contact),
    );
    if (row) return this.hydrated(row);
    // Inserted by another request of the device after this statement's snapshot was taken.
    return (await this.find(contact.accountId, contact.deviceId)) ?? this.missing();
  }

  /**
   * `touch`, and in the same statement the folder hierarchy the device holds with what it holds of
   * each collection (null: no hierarchy), for a command that needs both first (Ping).
   */
  async touchWithHierarchy(
    contact: DeviceContact,
    again = true,
  ): Promise<{ device: EasDevice; hierarchy: DeviceHierarchy | null }> {
    const rows = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      'activesync.touch-device-with-hierarchy',
      `${TOUCH}
       SELECT d.*, f.folders AS held_folders, f.quarantined AS held_quarantined, s.collection_id AS held_collection_id,
              s.sync_key AS held_sync_key, s.email_state AS held_email_state, s.items AS held_items,
              s.window_days AS held_window_days
         FROM d
         LEFT JOIN activesync.folder_states f ON f.account_id = d.account_id AND f.device_id = d.device_id
         LEFT JOIN activesync.sync_states s ON s.account_id = f.account_id AND s.device_id = f.device_id`,
      touchValues(contact),
    );
    const [row] = rows;
    if (!row) {
      // Inserted by another request of the device after this statement's snapshot was taken, and
      // committed by its end: the next statement's snapshot has it.
      if (again) return this.touchWithHierarchy(contact, false);
      this.missing();
    }
    const hierarchy = hierarchyOf(
      rows.map((held) => ({
        folders: held['held_folders'] as Record<string, HeldFolder> | null,
        quarantined: held['held_quarantined'] as boolean | null,
        collection_id: held['held_collection_id'] as string | null,
        sync_key: held['held_sync_key'] as string | null,
        email_state: held['held_email_state'] as string | null,
        items: held['held_items'] as Record<string, HeldItem> | null,
        window_days: held['held_window_days'] as number | null,
      })),
    );
    return { device: this.hydrated(row), hierarchy: hierarchy ?? null };
  }

  private missing(): never {
    throw new Error('the device upsert left no row');
  }

  /** A row as TypeORM reads it into the entity: the driver's conversions and the columns' transformers. */
  private hydrated(row: Record<string, unknown>): EasDevice {
    const device = this.devices.create();
    const driver = this.devices.manager.connection.driver;
    for (const column of this.devices.metadata.columns) {
      column.setEntityValue(device, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return device;
  }

  async update(accountId: string, deviceId: string, changes: Partial<EasDevice>): Promise<void> {
    await this.devices.update({ accountId, deviceId }, changes);
  }
}
