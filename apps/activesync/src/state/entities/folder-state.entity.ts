import { Column, Entity } from 'typeorm';
import { SyncKeyRow } from './device-row.js';

/** One folder as the device was told of it. */
export interface HeldFolder {
  parentId: string;
  name: string;
  type: number;
}

/** The folder hierarchy a device holds under its FolderSync key. */
@Entity({ name: 'folder_states' })
export class FolderState extends SyncKeyRow {
  /** ServerId (the JMAP mailbox id) -> what the device was told. */
  @Column({ type: 'jsonb' })
  folders!: Record<string, HeldFolder>;

  /** The hierarchy is the quarantine view (the default folders only), as a quarantined device is told it. */
  @Column({ type: 'boolean', default: false })
  quarantined!: boolean;
}
