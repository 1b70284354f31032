import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Bytes uploaded by a device or received as a message (RFC 8620 §6). The id is derived from the
 * content, so the same bytes in one account are stored once.
 */
@Entity({ schema: 'mailbox', name: 'blobs' })
export class Blob {
  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  type!: string;

  @Column('integer')
  size!: number;

  @Column('bytea')
  data!: Buffer;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
