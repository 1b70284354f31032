import type { DevicePolicySettingsV1 } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A device policy; `version` grows with every change, and devices acknowledge a version. */
@Entity({ name: 'policies' })
export class Policy {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  settings!: DevicePolicySettingsV1;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
