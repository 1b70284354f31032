import {
  childText,
  COMMON_STATUS,
  easRequests,
  FOLDER_CREATE_STATUS,
  FOLDER_TYPE,
} from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import type { MailFolder, MailStore } from '../../mailbox/mail-store.js';
import type { EasReply } from '../../protocol/eas-command.js';
import type { DeviceStanding } from '../../registry/device-views.js';
import type { SyncStore } from '../../state/sync-store.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { CreateFolder, DeleteFolder, UpdateFolder } from './change-folders.usecase.js';
import { commandContext as context } from '../../testing/command-context.js';

const KEY = '3';

function setUp() {
  const folders: MailFolder[] = [
    { id: 'inbox', parentId: null, name: 'Inbox', role: 'inbox' },
    { id: 'projects', parentId: null, name: 'Projects', role: null },
  ];
  const created: string[] = [];
  const mail = {
    folders: () => Promise.resolve(folders),
    createFolder: (_account: string, name: string) => {
      created.push(name);
      folders.push({ id: `f-${name}`, parentId: null, name, role: null });
      return Promise.resolve({ ok: true, id: `f-${name}` });
    },
    updateFolder: () => Promise.resolve({ ok: true }),
    destroyFolder: () => Promise.resolve({ ok: true }),
  } as unknown as MailStore;
  const store = {
    folderState: () => Promise.resolve({ syncKey: KEY, folders: {} }),
    replaceFolders: () => Promise.resolve(true),
  } as unknown as SyncStore;
  return {
    created,
    create: new CreateFolder(mail, store),
    update: new UpdateFolder(mail, store),
    remove: new DeleteFolder(mail, store),
  };
}

const statusOf = (reply: EasReply) => ('body' in reply ? childText(reply.body, 'Status') : undefined);
const folderOf = (type: number) => ({ parentId: '0', displayName: `Folder ${type}`, type: String(type) });

describe(CreateFolder.name, () => {
  it('creates a user mail folder (type 12)', async () => {
    const { create, created } = setUp();
    const reply = await create.execute(context(easRequests.folderCreate(KEY, folderOf(12))));
    expect(statusOf(reply)).toBe(String(FOLDER_CREATE_STATUS.Success));
    expect(created).toEqual(['Folder 12']);
  });

  it.each([
    FOLDER_TYPE.Calendar,
    FOLDER_TYPE.Contacts,
    FOLDER_TYPE.Notes,
    FOLDER_TYPE.Journal,
    FOLDER_TYPE.UserCalendar,
    FOLDER_TYPE.UserContacts,
    FOLDER_TYPE.UserTasks,
    FOLDER_TYPE.UserJournal,
    FOLDER_TYPE.UserNotes,
    FOLDER_TYPE.Unknown,
    FOLDER_TYPE.RecipientInformationCache,
  ])(
    'refuses a folder of type %i with Status 10, which a phone does not retry, and creates nothing',
    async (type) => {
      const { create, created } = setUp();
      const reply = await create.execute(context(easRequests.folderCreate(KEY, folderOf(type))));
      expect(statusOf(reply)).toBe(String(FOLDER_CREATE_STATUS.BadRequest));
      expect(statusOf(reply)).not.toBe(String(FOLDER_CREATE_STATUS.ServerError));
      expect(created).toEqual([]);
    },
  );
});

describe('folder commands of a quarantined device', () => {
  const quarantined: DeviceStanding = { ...allowedStanding(), access: 'quarantined' };

  it('answers FolderCreate, FolderUpdate and FolderDelete with the common AccessDenied (130), changing nothing', async () => {
    const { create, update, remove, created } = setUp();
    const replies = [
      await create.execute(context(easRequests.folderCreate(KEY, folderOf(12)), quarantined)),
      await update.execute(
        context(easRequests.folderUpdate(KEY, 'projects', { parentId: '0', displayName: 'P' }), quarantined),
      ),
      await remove.execute(context(easRequests.folderDelete(KEY, 'projects'), quarantined)),
    ];
    expect(replies.map(statusOf)).toEqual(Array(3).fill(String(COMMON_STATUS.AccessDenied)));
    expect(replies.map((reply) => ('body' in reply ? childText(reply.body, 'SyncKey') : 'none'))).toEqual(
      Array(3).fill(undefined),
    );
    expect(created).toEqual([]);
  });
});
