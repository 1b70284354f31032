import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A device's last Sync request without its commands: an empty or partial Sync builds on it. */
@Entity({ name: 'sync_requests' })
export class LastSyncRequest {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;

  /** The request as WBXML. */
  @Column({ type: 'bytea' })
  request!: Buffer;

  /** When the request last changed (a Sync that repeats the last one writes nothing). */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
