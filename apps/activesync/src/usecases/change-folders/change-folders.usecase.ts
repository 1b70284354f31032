import { Inject, Injectable } from '@nestjs/common';
import {
  childText,
  COMMON_STATUS,
  el,
  elementsOf,
  FOLDER_CREATE_STATUS,
  FOLDER_DELETE_STATUS,
  FOLDER_UPDATE_STATUS,
  type WbxmlElement,
} from '@pushmail/activesync';
import { FolderType, hierarchyOf } from '../../folders/folder-types.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { nextSyncKey, SyncStore } from '../../state/sync-store.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

const h = elementsOf('FolderHierarchy');

/** The values the three commands share ([MS-ASCMD] 2.2.3.177.3, .4, .6 agree on these). */
const Shared = {
  Success: FOLDER_CREATE_STATUS.Success,
  ServerError: FOLDER_CREATE_STATUS.ServerError,
  InvalidSyncKey: FOLDER_CREATE_STATUS.InvalidSyncKey,
  BadRequest: FOLDER_CREATE_STATUS.BadRequest,
} as const;

type FolderCommand = 'FolderCreate' | 'FolderUpdate' | 'FolderDelete';

/**
 * FolderCreate, FolderUpdate and FolderDelete: mail folders made, renamed, moved or removed by
 * the device, as JMAP Mailbox changes; each moves the device's FolderSync key, and what the device
 * now holds is recorded so its next FolderSync does not repeat the change back to it.
 */
abstract class ChangeFolder implements EasCommand {
  abstract readonly command: FolderCommand;

  constructor(
    @Inject(MailStore) protected readonly mail: MailStore,
    @Inject(SyncStore) protected readonly store: SyncStore,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    const key = body ? childText(body, 'SyncKey', 'FolderHierarchy') : undefined;
    if (!body || key === undefined) return this.reply(Shared.BadRequest);
    const { accountId, deviceId } = context.device;
    const state = await this.store.folderState(accountId, deviceId);
    if (!state || state.syncKey !== key) return this.reply(Shared.InvalidSyncKey);
    // A quarantined device may not change folders until an administrator allows it: the common
    // AccessDenied (130), which a phone does not retry, never 6 (server error), which it retries for ever.
    if (seesQuarantineView(context.standing)) return this.reply(COMMON_STATUS.AccessDenied);
    const folders = await this.mail.folders(accountId);
    const byId = new Map(folders.map((folder) => [folder.id, folder]));
    const outcome = await this.change(body, byId, accountId);
    if (outcome.status !== Shared.Success) return this.reply(outcome.status);
    const nextKey = nextSyncKey(key);
    const held = { ...state.folders };
    const now = hierarchyOf(await this.mail.folders(accountId));
    if (outcome.removed) delete held[outcome.removed];
    if (outcome.touched && now[outcome.touched]) held[outcome.touched] = now[outcome.touched]!;
    if (!(await this.store.replaceFolders(accountId, deviceId, nextKey, held, key)))
      return this.reply(Shared.InvalidSyncKey);
    return this.reply(
      Shared.Success,
      h('SyncKey', nextKey),
      outcome.touched && this.command === 'FolderCreate' ? h('ServerId', outcome.touched) : undefined,
    );
  }

  protected abstract change(
    body: WbxmlElement,
    folders: Map<string, { id: string; parentId: string | null; name: string; role: string | null }>,
    accountId: string,
  ): Promise<{ status: number; touched?: string; removed?: string }>;

  protected reply(status: number, ...rest: Array<WbxmlElement | undefined>): EasReply {
    return { body: el('FolderHierarchy', this.command, h('Status', String(status)), ...rest) };
  }

  /** A JMAP Mailbox/set refusal as this command's Status. */
  protected abstract statusOfRefusal(type: string): number;
}

function parentOf(text: string | undefined, folders: Map<string, unknown>): string | null | undefined {
  if (text === undefined || text === '0') return null;
  return folders.has(text) ? text : undefined;
}

/** Whether `serverId` may be changed: 'unknown', 'special' (one of the account's role folders), or undefined if it may. */
function refusedFolder(
  serverId: string,
  folders: Map<string, { role: string | null }>,
): 'unknown' | 'special' | undefined {
  const folder = folders.get(serverId);
  if (!folder) return 'unknown';
  if (folder.role !== null) return 'special';
  return undefined;
}

@Injectable()
export class CreateFolder extends ChangeFolder {
  readonly command = 'FolderCreate';

  protected statusOfRefusal(type: string): number {
    if (type === 'alreadyExists' || type === 'invalidProperties') return FOLDER_CREATE_STATUS.AlreadyExists;
    // Mailbox/set says notFound for a parent gone since the check.
    if (type === 'notFound') return FOLDER_CREATE_STATUS.ParentNotFound;
    return FOLDER_CREATE_STATUS.ServerError;
  }

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { name: string; parentId: string | null }>,
    accountId: string,
  ) {
    const name = childText(body, 'DisplayName', 'FolderHierarchy')?.trim();
    const type = Number(childText(body, 'Type', 'FolderHierarchy'));
    if (!name || name.length > 255) return { status: FOLDER_CREATE_STATUS.BadRequest };
    // Only mail folders: calendars, contacts and the like are not pushmail's. FolderCreate's table has
    // no "type not supported"; 10 is its one refusal a phone does not retry (see FOLDER_CREATE_STATUS).
    if (type !== FolderType.UserMail) return { status: FOLDER_CREATE_STATUS.BadRequest };
    const parentId = parentOf(childText(body, 'ParentId', 'FolderHierarchy'), folders);
    if (parentId === undefined) return { status: FOLDER_CREATE_STATUS.ParentNotFound };
    if ([...folders.values()].some((folder) => folder.parentId === parentId && folder.name === name))
      return { status: FOLDER_CREATE_STATUS.AlreadyExists };
    const created = await this.mail.createFolder(accountId, name, parentId);
    return created.ok
      ? { status: FOLDER_CREATE_STATUS.Success, touched: created.id }
      : { status: this.statusOfRefusal(created.type) };
  }
}

@Injectable()
export class UpdateFolder extends ChangeFolder {
  readonly command = 'FolderUpdate';

  protected statusOfRefusal(type: string): number {
    // 2 covers both a name taken and a special folder; FolderUpdate's 3 is only the Recipient information cache.
    if (type === 'alreadyExists' || type === 'invalidProperties' || type === 'forbidden')
      return FOLDER_UPDATE_STATUS.ExistsOrSpecialFolder;
    if (type === 'notFound') return FOLDER_UPDATE_STATUS.NotFound;
    return FOLDER_UPDATE_STATUS.ServerError;
  }

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { role: string | null }>,
    accountId: string,
  ) {
    const serverId = childText(body, 'ServerId', 'FolderHierarchy');
    const name = childText(body, 'DisplayName', 'FolderHierarchy')?.trim();
    if (!serverId || !name || name.length > 255) return { status: FOLDER_UPDATE_STATUS.BadRequest };
    const refused = refusedFolder(serverId, folders);
    if (refused === 'unknown') return { status: FOLDER_UPDATE_STATUS.NotFound };
    if (refused === 'special') return { status: FOLDER_UPDATE_STATUS.ExistsOrSpecialFolder };
    const parentId = parentOf(childText(body, 'ParentId', 'FolderHierarchy'), folders);
    if (parentId === undefined) return { status: FOLDER_UPDATE_STATUS.ParentNotFound };
    const updated = await this.mail.updateFolder(accountId, serverId, name, parentId);
    return updated.ok
      ? { status: FOLDER_UPDATE_STATUS.Success, touched: serverId }
      : { status: this.statusOfRefusal(updated.type) };
  }
}

@Injectable()
export class DeleteFolder extends ChangeFolder {
  readonly command = 'FolderDelete';

  protected statusOfRefusal(type: string): number {
    if (type === 'notFound') return FOLDER_DELETE_STATUS.NotFound;
    // FolderDelete has no value of its own for a folder that still has subfolders (mailboxHasChild):
    // 3, "cannot be deleted by the client", rather than 6, which a phone retries.
    if (type === 'forbidden' || type === 'mailboxHasChild') return FOLDER_DELETE_STATUS.SpecialFolder;
    return FOLDER_DELETE_STATUS.ServerError;
  }

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { role: string | null }>,
    accountId: string,
  ) {
    const serverId = childText(body, 'ServerId', 'FolderHierarchy');
    if (!serverId) return { status: FOLDER_DELETE_STATUS.BadRequest };
    const refused = refusedFolder(serverId, folders);
    if (refused === 'unknown') return { status: FOLDER_DELETE_STATUS.NotFound };
    if (refused === 'special') return { status: FOLDER_DELETE_STATUS.SpecialFolder };
    const destroyed = await this.mail.destroyFolder(accountId, serverId);
    return destroyed.ok
      ? { status: FOLDER_DELETE_STATUS.Success, removed: serverId }
      : { status: this.statusOfRefusal(destroyed.type) };
  }
}
