import { Inject, Injectable } from '@nestjs/common';
import { childText, decodeWbxml, el, encodeWbxml, type WbxmlElement } from '@pushmail/activesync';
import { hierarchyChanges, hierarchyOf } from '../../folders/folder-types.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { nextSyncKey, SyncStore } from '../../state/sync-store.js';

/** FolderSync statuses ([MS-ASCMD] 2.2.3.177.5). */
export const FolderSyncStatus = { Success: 1, ServerError: 6, InvalidSyncKey: 9, BadRequest: 10 } as const;

const h = (tag: string, ...content: Array<WbxmlElement | string>) => el('FolderHierarchy', tag, ...content);

/**
 * FolderSync: the account's mailboxes as EAS folders (the JMAP mailbox id is the ServerId), all of
 * them from SyncKey 0 and the differences after. The device's key, the hierarchy it holds and the
 * last answer are kept, so a retried request gets the same answer and an unknown key Status 9.
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
    if (key === undefined || key.length > 64) return reply(FolderSyncStatus.BadRequest);
    const { accountId, deviceId } = context.device;
    const state = key === '0' ? null : await this.store.folderState(accountId, deviceId);
    if (key !== '0') {
      if (state?.previousKey === key && state.previousResponse)
        return { body: decodeWbxml(state.previousResponse) };
      if (!state || state.syncKey !== key) return reply(FolderSyncStatus.InvalidSyncKey);
    }
    const current = hierarchyOf(await this.mail.folders(accountId));
    const held = state?.folders ?? {};
    const changes = hierarchyChanges(held, current);
    const nextKey = nextSyncKey(state?.syncKey ?? null);
    const folder = (id: string) => {
      const entry = current[id]!;
      return [
        h('ServerId', id),
        h('ParentId', entry.parentId),
        h('DisplayName', entry.name),
        h('Type', String(entry.type)),
      ];
    };
    const body = el(
      'FolderHierarchy',
      'FolderSync',
      h('Status', String(FolderSyncStatus.Success)),
      h('SyncKey', nextKey),
      h(
        'Changes',
        h('Count', String(changes.added.length + changes.updated.length + changes.deleted.length)),
        ...changes.updated.map((id) => h('Update', ...folder(id))),
        ...changes.deleted.map((id) => h('Delete', h('ServerId', id))),
        ...changes.added.map((id) => h('Add', ...folder(id))),
      ),
    );
    const saved = await this.store.saveFolderState(accountId, deviceId, key, {
      syncKey: nextKey,
      folders: current,
      response: encodeWbxml(body),
    });
    // Another request of the device moved the hierarchy first: its key is no longer current.
    if (!saved) return reply(FolderSyncStatus.InvalidSyncKey);
    return { body };
  }
}

function reply(status: number): EasReply {
  return { body: el('FolderHierarchy', 'FolderSync', h('Status', String(status))) };
}
