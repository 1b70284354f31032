import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AttachmentInfo, EmailAddressValue } from '../../mime/parse-message.js';
import { bigintAsNumber } from '../bigint-transformer.js';

@Entity({ schema: 'mailbox', name: 'emails' })
export class Email {
  @PrimaryColumn('text')
  id!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  /** The idempotency key of the delivery: a redelivered event finds its row and stores nothing. */
  @Column('text', { name: 'delivery_id' })
  deliveryId!: string;

  @Column('text', { name: 'thread_id' })
  threadId!: string;

  @Column('jsonb', { name: 'mailbox_ids' })
  mailboxIds!: Record<string, true>;

  @Column('jsonb')
  keywords!: Record<string, true>;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('integer')
  size!: number;

  @Column('text', { nullable: true })
  subject!: string | null;

  @Column('jsonb', { nullable: true })
  from!: EmailAddressValue[] | null;

  @Column('jsonb', { nullable: true })
  to!: EmailAddressValue[] | null;

  @Column('jsonb', { nullable: true })
  cc!: EmailAddressValue[] | null;

  @Column('jsonb', { name: 'reply_to', nullable: true })
  replyTo!: EmailAddressValue[] | null;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('jsonb', { name: 'in_reply_to', nullable: true })
  inReplyTo!: string[] | null;

  @Column('jsonb', { nullable: true })
  references!: string[] | null;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column('text')
  preview!: string;

  @Column('text', { name: 'text_body', nullable: true })
  textBody!: string | null;

  @Column('text', { name: 'html_body', nullable: true })
  htmlBody!: string | null;

  @Column('boolean', { name: 'has_attachment' })
  hasAttachment!: boolean;

  @Column('jsonb')
  attachments!: AttachmentInfo[];

  /** The blob holding the message exactly as received (or imported, or composed). */
  @Column('text', { name: 'blob_id' })
  blobId!: string;

  @Column('jsonb', { nullable: true })
  sender!: EmailAddressValue[] | null;

  @Column('jsonb', { nullable: true })
  bcc!: EmailAddressValue[] | null;

  /** Sort keys of Email/query (RFC 8621 §4.4.2), folded for i;unicode-casemap. */
  @Column('text', { name: 'sort_subject' })
  sortSubject!: string;

  @Column('text', { name: 'sort_from' })
  sortFrom!: string;

  @Column('text', { name: 'sort_to' })
  sortTo!: string;

  @Column('bigint', { name: 'created_modseq', transformer: bigintAsNumber })
  createdModseq!: number;

  @Column('bigint', { name: 'updated_modseq', transformer: bigintAsNumber })
  updatedModseq!: number;
}
