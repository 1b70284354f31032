import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-transformer.js';

/**
 * One row per account. `modseq` is the account's state counter: every change transaction moves it
 * by one; it is the push state. A data type's state is the modseq of the last change to that type.
 */
@Entity({ schema: 'mailbox', name: 'account_state' })
export class AccountState {
  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  modseq!: number;

  /** The modseq of the last change to an Email: the Email state. */
  @Column('bigint', { name: 'email_modseq', transformer: bigintAsNumber })
  emailModseq!: number;

  @Column('bigint', { name: 'mailbox_modseq', transformer: bigintAsNumber })
  mailboxModseq!: number;

  @Column('bigint', { name: 'thread_modseq', transformer: bigintAsNumber })
  threadModseq!: number;

  /** The modseq of the last change that delivered mail: the EmailDelivery state. */
  @Column('bigint', { name: 'delivery_modseq', transformer: bigintAsNumber })
  deliveryModseq!: number;

  /** The last modseq announced on the mailbox-changed topic; a gap is announced again. */
  @Column('bigint', { name: 'published_modseq', transformer: bigintAsNumber })
  publishedModseq!: number;

  /** Change rows up to this modseq have been pruned: `/changes` from an older state cannot be answered. */
  @Column('bigint', { name: 'changes_horizon', transformer: bigintAsNumber })
  changesHorizon!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
