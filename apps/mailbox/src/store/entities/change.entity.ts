import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-transformer.js';

export const changeTypes = ['Email', 'Mailbox', 'Thread'] as const;
export type ChangeType = (typeof changeTypes)[number];
export type ChangeKind = 'created' | 'updated' | 'destroyed';

/** One object touched by one change transaction of an account: what `/changes` reads. */
@Entity({ schema: 'mailbox', name: 'changes' })
export class Change {
  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('text')
  type!: ChangeType;

  @PrimaryColumn('bigint', { transformer: bigintAsNumber })
  modseq!: number;

  @PrimaryColumn('text', { name: 'object_id' })
  objectId!: string;

  @Column('text')
  kind!: ChangeKind;

  @Column('timestamptz')
  at!: Date;
}
