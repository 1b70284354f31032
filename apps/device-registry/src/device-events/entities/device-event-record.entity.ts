import type { DeviceEventV1 } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/bigint-transformer.js';

/** An event waiting in the outbox until the account's next publish sends it. */
@Entity({ name: 'device_events' })
export class DeviceEventRecord {
  /** Filled by the table's sequence; the insert never sets it. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber, insert: false } as const)
  seq!: number;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ type: 'jsonb' })
  payload!: DeviceEventV1;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
