import type { AccountSnapshotV1 } from '@pushmail/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/bigint-transformer.js';

export type AccountStatus = AccountSnapshotV1['status'];

@Entity({ name: 'accounts' })
export class Account {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Always lower-cased: the unique key devices and SMTP recipients are matched on. */
  @Column({ type: 'varchar', length: 320 })
  address!: string;

  /** Argon2id PHC string. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: AccountStatus;

  /** Grows with every change to the account or its devices, in the same transaction as the change. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  revision!: number;

  /** The revision last seen on Kafka; lower than `revision` means the relay still owes a snapshot. */
  @Column({ name: 'published_revision', type: 'bigint', transformer: bigintAsNumber })
  publishedRevision!: number;

  /** The policy assigned to this account; null follows the organisation's default policy. */
  @Column({ name: 'policy_id', type: 'uuid', nullable: true })
  policyId!: string | null;

  /** Failed sign-ins within the current window; reset by a successful one. */
  @Column({ name: 'failed_sign_ins', type: 'integer' })
  failedSignIns!: number;

  @Column({ name: 'failure_window_started_at', type: 'timestamptz', nullable: true })
  failureWindowStartedAt!: Date | null;

  /** While in the future, every sign-in is refused without checking the password. */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
