import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DeviceRow } from '../../state/entities/device-row.js';

/** A message a device sent, by the ClientId it gave it. */
@Entity({ name: 'sent_messages' })
export class SentMessage extends DeviceRow {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
