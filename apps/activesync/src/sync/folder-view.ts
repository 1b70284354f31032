import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import {
  contentsFromChanges,
  type EmailChanges,
  type EmailDetail,
  type FolderContents,
  type FolderItem,
  MailStore,
} from '../mailbox/mail-store.js';
import type { DeviceStanding } from '../registry/device-views.js';
import { ANY_AGE, followsWindow, windowDaysOf, windowStartOf } from './sync-window.js';

/** The ServerId of the one message a quarantined device sees in its Inbox. */
export const QUARANTINE_NOTICE_ID = 'pushmail-quarantine-notice';

export interface FolderViewRequest {
  accountId: string;
  address: string;
  standing: DeviceStanding;
  collectionId: string;
  inboxId: string | undefined;
  /** The Sync's FilterType, if any. */
  filterType?: number;
}

/** What the device holds of the collection, as the changes path needs it. */
export interface HeldView {
  /** Id -> flags and (when kept) receivedAt. */
  items: Readonly<Record<string, FolderItem>>;
  /** The sync window (days, 0: any age) the items were last answered within; null: not known. */
  windowDays: number | null;
}

/**
 * A folder as a device may see it: its messages within the sync window (the device's FilterType
 * and the policy's, whichever is narrower), or, while the device is quarantined, nothing but one
 * message in the Inbox explaining why, as Exchange does, until an administrator allows it.
 */
@Injectable()
export class FolderView {
  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
  ) {}

  /**
   * The folder from what the device holds (answered at `sinceState`) and what changed since, when
   * that can stand for a listing (`followsChanges`). Within a sync window the held messages older
   * than its start leave, as a listing of the window leaves them out. Undefined: list the folder.
   */
  async changedContents(
    request: FolderViewRequest,
    sinceState: string,
    held: HeldView,
  ): Promise<FolderContents | undefined> {
    if (!this.followsChanges(request, held)) return undefined;
    return this.mail.changedContents(
      request.accountId,
      request.collectionId,
      sinceState,
      held.items,
      this.config.SYNC_MAX_ITEMS_PER_FOLDER,
      windowStartOf(this.windowDays(request)),
    );
  }

  /**
   * Whether the view can be brought up to date from the account's changes (`changedContents`): not
   * the quarantine view, nor a window whose start moved back since the device was answered (a
   * wider FilterType or policy, or none where there was one: older messages enter without any
   * change), nor a window over held messages whose receivedAt was not kept.
   */
  followsChanges(request: Omit<FolderViewRequest, 'inboxId'>, held: HeldView): boolean {
    if (seesQuarantineView(request.standing) || !this.holdsWindow(request, held)) return false;
    return (
      this.windowDays(request) === ANY_AGE ||
      Object.values(held.items).every((item) => item.receivedAt !== undefined)
    );
  }

  /**
   * Whether the window the device was answered within covers the one it asks for now (the same,
   * or wider): no message older than what it holds has entered the view since (`followsWindow`).
   */
  holdsWindow(request: Omit<FolderViewRequest, 'inboxId'>, held: Pick<HeldView, 'windowDays'>): boolean {
    return followsWindow(held.windowDays, this.windowDays(request));
  }

  /** As `changedContents`, from changes read already (with the folders, in the same request). */
  contentsFromChanges(
    request: FolderViewRequest,
    changes: EmailChanges,
    held: HeldView,
  ): FolderContents | undefined {
    if (!this.followsChanges(request, held)) return undefined;
    return contentsFromChanges(
      changes,
      request.collectionId,
      held.items,
      this.config.SYNC_MAX_ITEMS_PER_FOLDER,
      windowStartOf(this.windowDays(request)),
    );
  }

  /** The sync window in days (the narrower of FilterType and policy), `ANY_AGE` when none: what the answer is held within. */
  windowDays(request: Pick<FolderViewRequest, 'filterType' | 'standing'>): number {
    return windowDaysOf(request.filterType, request.standing.policy?.settings.syncWindowDays);
  }

  /**
   * The folder's messages. `held`: what the device holds of it; in the quarantine view the notice
   * keeps the read and follow-up flags the device gave it (it is the device's alone, nothing in
   * mailbox), so a Sync never sets back what the phone shows.
   */
  async contents(
    request: FolderViewRequest,
    held?: Readonly<Record<string, FolderItem>>,
  ): Promise<FolderContents> {
    if (seesQuarantineView(request.standing)) {
      const items = new Map<string, FolderItem>();
      if (request.collectionId === request.inboxId) {
        const flags = held?.[QUARANTINE_NOTICE_ID];
        items.set(QUARANTINE_NOTICE_ID, { read: flags?.read ?? false, flagged: flags?.flagged ?? false });
      }
      return { state: 'quarantined', items };
    }
    return this.mail.contents(
      request.accountId,
      request.collectionId,
      this.config.SYNC_MAX_ITEMS_PER_FOLDER,
      windowStartOf(this.windowDays(request)),
    );
  }

  /** The messages by id, the quarantine notice among them when asked for. */
  async emails(
    request: FolderViewRequest,
    ids: string[],
    bodies: { text: boolean; html: boolean },
  ): Promise<EmailDetail[]> {
    if (seesQuarantineView(request.standing)) {
      return ids.includes(QUARANTINE_NOTICE_ID)
        ? [quarantineNotice(request.address, request.standing.accessRule)]
        : [];
    }
    return this.mail.emails(request.accountId, ids, bodies);
  }
}

/** Whether a device of this standing is shown the quarantine view, hierarchy and mail alike. */
export function seesQuarantineView(standing: Pick<DeviceStanding, 'access'>): boolean {
  return standing.access === 'quarantined';
}

/**
 * Whether the hierarchy a device holds is not the one its standing now shows it: it was told the
 * quarantine view and has been allowed since (or the reverse). Its next FolderSync brings the
 * difference (the user folders as adds), and until then a Ping answers 7 and a Sync 12 so that it
 * does one; no new partnership or provisioning is needed.
 */
export function hierarchyOutOfDate(
  held: { quarantined: boolean },
  standing: Pick<DeviceStanding, 'access'>,
): boolean {
  return held.quarantined !== seesQuarantineView(standing);
}

export function quarantineNotice(address: string, rule: string | null): EmailDetail {
  const text =
    'This device is quarantined: an administrator must allow it before it receives mail for ' +
    `${address}.${rule ? ` (${rule})` : ''}\n\nYour mail is safe and will appear here as soon as the device is allowed.`;
  return {
    id: QUARANTINE_NOTICE_ID,
    blobId: '',
    mailboxIds: [],
    threadId: QUARANTINE_NOTICE_ID,
    flags: { read: false, flagged: false },
    size: text.length,
    receivedAt: new Date().toISOString(),
    subject: 'Your device is waiting for approval',
    from: [{ name: 'pushmail', email: address }],
    to: [{ name: null, email: address }],
    cc: [],
    replyTo: [],
    messageId: null,
    preview: text.slice(0, 256),
    text,
    html: null,
    attachments: [],
    hasAttachment: false,
  };
}
