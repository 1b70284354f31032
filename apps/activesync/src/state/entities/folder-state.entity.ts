import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One folder as the device was told of it. */
export interface HeldFolder {
  parentId: string;
  name: string;
  type: number;
}

/** The folder hierarchy a device holds under its FolderSync key. */
@Entity({ name: 'folder_states' })
export class FolderState {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;

  @Column({ name: 'sync_key', type: 'varchar', length: 64 })
  syncKey!: string;

  /** ServerId (the JMAP mailbox id) -> what the device was told. */
  @Column({ type: 'jsonb' })
  folders!: Record<string, HeldFolder>;

  /** The key before `syncKey`, and the answer that moved the device from it: replayed if asked again. */
  @Column({ name: 'previous_key', type: 'varchar', length: 64, nullable: true })
  previousKey!: string | null;

  @Column({ name: 'previous_response', type: 'bytea', nullable: true })
  previousResponse!: Buffer | null;
}
