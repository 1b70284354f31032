import type { DeviceWipeKind } from '@pushmail/contracts';
import { Column, Entity } from 'typeorm';
import { DeviceRecord } from '../../devices/entities/device-record.js';

export type WipeStatus = 'pending' | 'confirmed' | 'cancelled';

/** A remote wipe: who asked, when, and when the device confirmed it. Kept after the partnership ends. */
@Entity({ name: 'device_wipes' })
export class DeviceWipe extends DeviceRecord {
  @Column({ type: 'varchar', length: 16 })
  kind!: DeviceWipeKind;

  @Column({ type: 'varchar', length: 16 })
  status!: WipeStatus;

  @Column({ name: 'requested_by', type: 'varchar', length: 200 })
  requestedBy!: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ name: 'cancelled_by', type: 'varchar', length: 200, nullable: true })
  cancelledBy!: string | null;
}
