import { Inject, Injectable } from '@nestjs/common';
import { childText, el, elementsOf, type WbxmlElement } from '@pushmail/activesync';
import { FolderType, hierarchyOf } from '../../folders/folder-types.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { nextSyncKey, SyncStore } from '../../state/sync-store.js';

/** FolderCreate / FolderUpdate / FolderDelete statuses ([MS-ASCMD] 2.2.3.177.2-4). */
const FolderStatus = {
  Success: 1,
  Exists: 2,
  SpecialFolder: 3,
  NotFound: 4,
  ParentNotFound: 5,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
} as const;

const h = elementsOf('FolderHierarchy');

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
    if (!body || key === undefined) return this.reply(FolderStatus.BadRequest);
    const { accountId, deviceId } = context.device;
    const state = await this.store.folderState(accountId, deviceId);
    if (!state || state.syncKey !== key) return this.reply(FolderStatus.InvalidSyncKey);
    if (context.standing.access === 'quarantined') return this.reply(FolderStatus.ServerError);
    const folders = await this.mail.folders(accountId);
    const byId = new Map(folders.map((folder) => [folder.id, folder]));
    const outcome = await this.change(body, byId, accountId);
    if (outcome.status !== FolderStatus.Success) return this.reply(outcome.status);
    const nextKey = nextSyncKey(key);
    const held = { ...state.folders };
    const now = hierarchyOf(await this.mail.folders(accountId));
    if (outcome.removed) delete held[outcome.removed];
    if (outcome.touched && now[outcome.touched]) held[outcome.touched] = now[outcome.touched]!;
    if (!(await this.store.replaceFolders(accountId, deviceId, nextKey, held, key)))
      return this.reply(FolderStatus.InvalidSyncKey);
    return this.reply(
      FolderStatus.Success,
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

  protected statusOfRefusal(type: string): number {
    if (type === 'alreadyExists' || type === 'invalidProperties') return FolderStatus.Exists;
    if (type === 'notFound') return FolderStatus.NotFound;
    if (type === 'forbidden' || type === 'mailboxHasChild') return FolderStatus.SpecialFolder;
    return FolderStatus.ServerError;
  }
}

function parentOf(text: string | undefined, folders: Map<string, unknown>): string | null | undefined {
  if (text === undefined || text === '0') return null;
  return folders.has(text) ? text : undefined;
}

/** Why the folder `serverId` may not be changed (unknown, or one of the account's special folders); undefined if it may. */
function refusedFolder(serverId: string, folders: Map<string, { role: string | null }>): number | undefined {
  const folder = folders.get(serverId);
  if (!folder) return FolderStatus.NotFound;
  if (folder.role !== null) return FolderStatus.SpecialFolder;
  return undefined;
}

@Injectable()
export class CreateFolder extends ChangeFolder {
  readonly command = 'FolderCreate';

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { name: string; parentId: string | null }>,
    accountId: string,
  ) {
    const name = childText(body, 'DisplayName', 'FolderHierarchy')?.trim();
    const type = Number(childText(body, 'Type', 'FolderHierarchy'));
    if (!name || name.length > 255) return { status: FolderStatus.BadRequest };
    // Only mail folders: calendars, contacts and the like are not pushmail's.
    if (type !== FolderType.UserMail) return { status: FolderStatus.ServerError };
    const parentId = parentOf(childText(body, 'ParentId', 'FolderHierarchy'), folders);
    if (parentId === undefined) return { status: FolderStatus.ParentNotFound };
    if ([...folders.values()].some((folder) => folder.parentId === parentId && folder.name === name))
      return { status: FolderStatus.Exists };
    const created = await this.mail.createFolder(accountId, name, parentId);
    return created.ok
      ? { status: FolderStatus.Success, touched: created.id }
      : { status: this.statusOfRefusal(created.type) };
  }
}

@Injectable()
export class UpdateFolder extends ChangeFolder {
  readonly command = 'FolderUpdate';

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { role: string | null }>,
    accountId: string,
  ) {
    const serverId = childText(body, 'ServerId', 'FolderHierarchy');
    const name = childText(body, 'DisplayName', 'FolderHierarchy')?.trim();
    if (!serverId || !name || name.length > 255) return { status: FolderStatus.BadRequest };
    const refused = refusedFolder(serverId, folders);
    if (refused !== undefined) return { status: refused };
    const parentId = parentOf(childText(body, 'ParentId', 'FolderHierarchy'), folders);
    if (parentId === undefined) return { status: FolderStatus.ParentNotFound };
    const updated = await this.mail.updateFolder(accountId, serverId, name, parentId);
    return updated.ok
      ? { status: FolderStatus.Success, touched: serverId }
      : { status: this.statusOfRefusal(updated.type) };
  }
}

@Injectable()
export class DeleteFolder extends ChangeFolder {
  readonly command = 'FolderDelete';

  protected async change(
    body: WbxmlElement,
    folders: Map<string, { role: string | null }>,
    accountId: string,
  ) {
    const serverId = childText(body, 'ServerId', 'FolderHierarchy');
    if (!serverId) return { status: FolderStatus.BadRequest };
    const refused = refusedFolder(serverId, folders);
    if (refused !== undefined) return { status: refused };
    const destroyed = await this.mail.destroyFolder(accountId, serverId);
    return destroyed.ok
      ? { status: FolderStatus.Success, removed: serverId }
      : { status: this.statusOfRefusal(destroyed.type) };
  }
}
