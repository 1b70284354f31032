import type { DeviceAccessLevel } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A partnership: one device of one account, however often it registers again. */
@Entity({ name: 'devices' })
export class Device {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;

  @Column({ name: 'device_type', type: 'varchar', length: 64 })
  deviceType!: string;

  @Column({ type: 'varchar', length: 128 })
  model!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  os!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 16 })
  access!: DeviceAccessLevel;

  @Column({ name: 'access_reason', type: 'varchar', length: 500, nullable: true })
  accessReason!: string | null;

  @Column({ name: 'first_sync_at', type: 'timestamptz', nullable: true })
  firstSyncAt!: Date | null;

  @Column({ name: 'last_sync_at', type: 'timestamptz', nullable: true })
  lastSyncAt!: Date | null;

  @Column({ name: 'last_seen_address', type: 'varchar', length: 64, nullable: true })
  lastSeenAddress!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
