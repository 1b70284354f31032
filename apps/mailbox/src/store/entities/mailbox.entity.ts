import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-transformer.js';

export const mailboxRoles = ['inbox', 'archive', 'drafts', 'sent', 'trash', 'junk'] as const;
export type MailboxRole = (typeof mailboxRoles)[number];

@Entity({ schema: 'mailbox', name: 'mailboxes' })
export class Mailbox {
  @PrimaryColumn('text')
  id!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  role!: MailboxRole | null;

  @Column('text', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  @Column('integer', { name: 'sort_order' })
  sortOrder!: number;

  @Column('boolean', { name: 'is_subscribed' })
  isSubscribed!: boolean;

  @Column('bigint', { name: 'created_modseq', transformer: bigintAsNumber })
  createdModseq!: number;

  @Column('bigint', { name: 'updated_modseq', transformer: bigintAsNumber })
  updatedModseq!: number;
}
