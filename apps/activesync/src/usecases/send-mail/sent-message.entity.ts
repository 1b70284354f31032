import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message a device sent, by the ClientId it gave it. */
@Entity({ name: 'sent_messages' })
export class SentMessage {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;

  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
