import { Inject, Injectable } from '@nestjs/common';
import {
  buildFolderSyncResponse,
  childText,
  decodeWbxml,
  encodeWbxml,
  FOLDER_SYNC_STATUS,
  type Folder,
} from '@pushmail/activesync';
import { hierarchyChanges, hierarchyOf, quarantineHierarchyOf } from '../../folders/folder-types.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { nextSyncKey, SyncStore } from '../../state/sync-store.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

/**
 * FolderSync: the account's mailboxes as EAS folders (the JMAP mailbox id is the ServerId), all of
 * them from SyncKey 0 and the differences after. The device's key, the hierarchy it holds and the
 * last answer are kept, so a retried request gets the same answer and an unknown key Status 9.
 * A quarantined device is shown the default folders only (`quarantineHierarchyOf`); once it is
 * allowed, the same key brings the rest as adds (and the reverse when it is quarantined).
 */
@Injectable()
export class SyncFolderHierarchy implements EasCommand {
  readonly command = 'FolderSync';

  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(SyncStore) private readonly store: SyncStore,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const key = context.body ? childText(context.body, 'SyncKey', 'FolderHierarchy') : undefined;
    if (key === undefined || key.length > 64) return reply(FOLDER_SYNC_STATUS.ProtocolError);
    const { accountId, deviceId } = context.device;
    const state = key === '0' ? null : await this.store.folderState(accountId, deviceId);
    if (key !== '0') {
      if (state?.previousKey === key && state.previousResponse)
        return { body: decodeWbxml(state.previousResponse) };
      if (!state || state.syncKey !== key) return reply(FOLDER_SYNC_STATUS.InvalidSyncKey);
    }
    const quarantined = seesQuarantineView(context.standing);
    const folders = await this.mail.folders(accountId);
    const current = quarantined ? quarantineHierarchyOf(folders) : hierarchyOf(folders);
    const held = state?.folders ?? {};
    const changes = hierarchyChanges(held, current);
    const nextKey = nextSyncKey(state?.syncKey ?? null);
    const folder = (id: string): Folder => {
      const entry = current[id]!;
      return { serverId: id, parentId: entry.parentId, displayName: entry.name, type: entry.type };
    };
    const body = buildFolderSyncResponse({
      status: FOLDER_SYNC_STATUS.Success,
      syncKey: nextKey,
      changes: {
        update: changes.updated.map(folder),
        delete: changes.deleted,
        add: changes.added.map(folder),
      },
    });
    const saved = await this.store.saveFolderState(accountId, deviceId, key, {
      syncKey: nextKey,
      folders: current,
      quarantined,
      response: encodeWbxml(body),
    });
    // Another request of the device moved the hierarchy first: its key is no longer current.
    if (!saved) return reply(FOLDER_SYNC_STATUS.InvalidSyncKey);
    // Shown the quarantine view after it held the whole hierarchy: the Sync answers kept for a retry
    // were given while it was allowed and may hold mail.
    if (quarantined && state && !state.quarantined) await this.store.forgetKeptAnswers(accountId, deviceId);
    return { body };
  }
}

function reply(status: number): EasReply {
  return { body: buildFolderSyncResponse({ status }) };
}
