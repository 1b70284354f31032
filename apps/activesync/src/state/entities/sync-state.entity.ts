import { Column, Entity, PrimaryColumn } from 'typeorm';
import { SyncKeyRow } from './device-row.js';

/** The flags of a message the device holds, as it was last told them. */
export interface HeldItem {
  read: boolean;
  flagged: boolean;
  /**
   * When the message was received (a UTCDate): within a sync window, the changes path drops the
   * message once it is older than the window's start. Absent from items held before it was kept.
   */
  receivedAt?: string;
}

/** One collection (folder) of one device: its SyncKey and what the device holds under it. */
@Entity({ name: 'sync_states' })
export class SyncState extends SyncKeyRow {
  @PrimaryColumn({ name: 'collection_id', type: 'varchar', length: 64 })
  collectionId!: string;

  /** The account's JMAP Email state when the device was last answered: nothing to do while it holds. */
  @Column({ name: 'email_state', type: 'varchar', length: 64, nullable: true })
  emailState!: string | null;

  /** ServerId (the JMAP email id) -> flags, for every message the device holds in this collection. */
  @Column({ type: 'jsonb' })
  items!: Record<string, HeldItem>;

  /**
   * The sync window, in days (0: any age), the items were last answered within (`sync-window.ts`);
   * null: not known (answered before it was kept, or started over), and the collection is listed.
   */
  @Column({ name: 'window_days', type: 'integer', nullable: true })
  windowDays!: number | null;

  /** The kept answer (`previousResponse`) was built for the quarantine view. */
  @Column({ name: 'previous_quarantined', type: 'boolean', default: false })
  previousQuarantined!: boolean;
}
