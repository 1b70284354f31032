import { Column, Entity } from 'typeorm';
import { DeviceKey } from '../../devices/entities/device-record.js';

export type ExemptionAccess = 'allowed' | 'blocked';

/** This device of this account is always allowed, or always blocked, whatever the rules say. */
@Entity({ name: 'device_exemptions' })
export class DeviceExemption extends DeviceKey {
  @Column({ type: 'varchar', length: 16 })
  access!: ExemptionAccess;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
