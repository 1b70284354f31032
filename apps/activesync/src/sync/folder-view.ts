import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import {
  contentsFromChanges,
  type EmailChanges,
  type EmailDetail,
  type FolderContents,
  type ItemFlags,
  MailStore,
} from '../mailbox/mail-store.js';
import type { DeviceStanding } from '../registry/device-views.js';

/** The ServerId of the one message a quarantined device sees in its Inbox. */
export const QUARANTINE_NOTICE_ID = 'pushmail-quarantine-notice';

const DAY_MS = 24 * 60 * 60 * 1000;

/** EAS FilterType (1 day ... 1 month) in days; 0 and unknown: no limit. */
const FILTER_DAYS: Record<number, number> = { 1: 1, 2: 3, 3: 7, 4: 14, 5: 31 };

export interface FolderViewRequest {
  accountId: string;
  address: string;
  standing: DeviceStanding;
  collectionId: string;
  inboxId: string | undefined;
  /** The Sync's FilterType, if any. */
  filterType?: number;
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
   * that can stand for a listing: not for the quarantine view, nor within a sync window, where
   * messages leave the view by age without any change that says so. Undefined: list the folder.
   */
  async changedContents(
    request: FolderViewRequest,
    sinceState: string,
    held: Readonly<Record<string, ItemFlags>>,
  ): Promise<FolderContents | undefined> {
    if (!this.followsChanges(request)) return undefined;
    return this.mail.changedContents(
      request.accountId,
      request.collectionId,
      sinceState,
      held,
      this.config.SYNC_MAX_ITEMS_PER_FOLDER,
    );
  }

  /** Whether the view can be brought up to date from the account's changes (`changedContents`). */
  followsChanges(request: Omit<FolderViewRequest, 'inboxId'>): boolean {
    return !seesQuarantineView(request.standing) && this.windowStart(request) === undefined;
  }

  /** As `changedContents`, from changes read already (with the folders, in the same request). */
  contentsFromChanges(
    request: FolderViewRequest,
    changes: EmailChanges,
    held: Readonly<Record<string, ItemFlags>>,
  ): FolderContents | undefined {
    if (!this.followsChanges(request)) return undefined;
    return contentsFromChanges(changes, request.collectionId, held, this.config.SYNC_MAX_ITEMS_PER_FOLDER);
  }

  /**
   * The folder's messages. `held`: what the device holds of it; in the quarantine view the notice
   * keeps the read and follow-up flags the device gave it (it is the device's alone, nothing in
   * mailbox), so a Sync never sets back what the phone shows.
   */
  async contents(
    request: FolderViewRequest,
    held?: Readonly<Record<string, ItemFlags>>,
  ): Promise<FolderContents> {
    if (seesQuarantineView(request.standing)) {
      const items = new Map<string, ItemFlags>();
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
      this.windowStart(request),
    );
  }

  /** The oldest a message may be received to be seen (the narrower of FilterType and policy); undefined: any age. */
  private windowStart(request: Pick<FolderViewRequest, 'filterType' | 'standing'>): Date | undefined {
    const windows = [
      request.filterType === undefined ? undefined : FILTER_DAYS[request.filterType],
      request.standing.policy?.settings.syncWindowDays ?? undefined,
    ].filter((days): days is number => days !== undefined);
    return windows.length > 0 ? new Date(Date.now() - Math.min(...windows) * DAY_MS) : undefined;
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
