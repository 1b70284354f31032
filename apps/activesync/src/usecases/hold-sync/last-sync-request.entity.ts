import { Column, Entity } from 'typeorm';
import { DeviceRow } from '../../state/entities/device-row.js';

/** A device's last Sync request without its commands: an empty or partial Sync builds on it. */
@Entity({ name: 'sync_requests' })
export class LastSyncRequest extends DeviceRow {
  /** The request as WBXML. */
  @Column({ type: 'bytea' })
  request!: Buffer;

  /** When the request last changed (a Sync that repeats the last one writes nothing). */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
