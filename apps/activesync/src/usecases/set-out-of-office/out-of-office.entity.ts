import type { OofSettings } from '@pushmail/activesync';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An account's out-of-office settings, as its phone set them. */
@Entity({ name: 'out_of_office' })
export class OutOfOfficeSetting {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ type: 'jsonb' })
  settings!: OofSettings;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
