import type { DeviceAccessLevel } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The organisation's defaults: a single row with id 1. */
@Entity({ name: 'org_settings' })
export class OrgSettings {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  /** Access for a device that no exemption or rule decides. */
  @Column({ name: 'default_access', type: 'varchar', length: 16 })
  defaultAccess!: DeviceAccessLevel;

  /** The policy of every account without one of its own; null for none. */
  @Column({ name: 'default_policy_id', type: 'uuid', nullable: true })
  defaultPolicyId!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
