import { Column, PrimaryColumn } from 'typeorm';

/**
 * What every per-device table of the gateway starts with: the account and the device (a DeviceId
 * is the phone's own, unique only within the account). Subclasses add their own columns, and any
 * further key column, after these.
 */
export abstract class DeviceRow {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;
}

/**
 * A device's SyncKey (FolderSync's, or one collection's) with the key before it and the answer that
 * moved the device from that key: a request retried with the previous key is answered the same.
 */
export abstract class SyncKeyRow extends DeviceRow {
  @Column({ name: 'sync_key', type: 'varchar', length: 64 })
  syncKey!: string;

  @Column({ name: 'previous_key', type: 'varchar', length: 64, nullable: true })
  previousKey!: string | null;

  /** The answer (a WBXML document; a Sync's: this collection's part of it). */
  @Column({ name: 'previous_response', type: 'bytea', nullable: true })
  previousResponse!: Buffer | null;
}
