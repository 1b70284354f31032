import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ExemptionAccess = 'allowed' | 'blocked';

/** This device of this account is always allowed, or always blocked, whatever the rules say. */
@Entity({ name: 'device_exemptions' })
export class DeviceExemption {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;

  @Column({ type: 'varchar', length: 16 })
  access!: ExemptionAccess;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
