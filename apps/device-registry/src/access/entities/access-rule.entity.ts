import type { DeviceAccessLevel } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AccessRuleField = 'deviceType' | 'model';

/** An organisation-wide rule: devices whose type or model matches `pattern` get `access`. */
@Entity({ name: 'access_rules' })
export class AccessRule {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'match_field', type: 'varchar', length: 16 })
  matchField!: AccessRuleField;

  /** Case-insensitive, whole value; `*` stands for any run of characters. */
  @Column({ type: 'varchar', length: 128 })
  pattern!: string;

  @Column({ type: 'varchar', length: 16 })
  access!: DeviceAccessLevel;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
