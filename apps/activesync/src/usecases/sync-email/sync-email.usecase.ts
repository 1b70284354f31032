import { Inject, Injectable } from '@nestjs/common';
import {
  buildSyncResponse,
  child,
  childText,
  children,
  decodeWbxml,
  el,
  encodeWbxml,
  SYNC_STATUS,
  type WbxmlElement,
} from '@pushmail/activesync';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import {
  type EmailChanges,
  type EmailDetail,
  type FolderItem,
  type ItemFlags,
  MailStore,
  type MailFolder,
} from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import type { HeldItem } from '../../state/entities/sync-state.entity.js';
import { type CollectionState, nextSyncKey, SyncStore } from '../../state/sync-store.js';
import {
  BodyType,
  bodyOptionsOf,
  chosenPreference,
  type BodyPreference,
} from '../../sync/body-preference.js';
import { CollectionChanges } from '../../sync/collection-changes.js';
import { emailApplicationData, flagElements, servedBody } from '../../sync/email-item.js';
import {
  FolderView,
  type FolderViewRequest,
  hierarchyOutOfDate,
  QUARANTINE_NOTICE_ID,
  seesQuarantineView,
} from '../../sync/folder-view.js';
import { windowOf as changesWindowOf } from '../../sync/item-diff.js';
import { inWindow, windowStartOf } from '../../sync/sync-window.js';
import { KeyedLock } from '../../sync/keyed-lock.js';
import { keptRequest, LastSyncRequests } from '../hold-sync/last-sync-requests.js';

const DEFAULT_WINDOW_SIZE = 100;
const a = (tag: string, ...content: Array<WbxmlElement | string | false | undefined>) =>
  el('AirSync', tag, ...content);

interface CollectionRequest {
  element: WbxmlElement;
  syncKey: string;
  collectionId: string;
}

/** The account's Email state (and changes) as this Sync read them, while nothing the Sync did has moved them. */
interface KnownState {
  emailState?: string;
  /** What changed since the state its first held collection was answered at, read with the folders. */
  changes?: EmailChanges;
}

/**
 * One collection's answer; `encoded`: when it was kept for a retry (or is the one kept), that
 * document (`Sync` > `Collections` > this collection) as WBXML, which a Sync of this collection
 * alone answers with as it is.
 */
interface CollectionAnswer {
  element: WbxmlElement;
  encoded?: Buffer;
}

/** The folders of the account this Sync needs to know: by id, and which is the Inbox and the trash. */
interface AccountFolders {
  byId: Map<string, MailFolder>;
  inboxId: string | undefined;
  trashId: string | undefined;
}

/**
 * Sync for email collections: SyncKey 0 starts a collection, then each Sync applies the device's
 * changes (read, flag, delete as a move to Deleted Items or for good, per DeletesAsMoves) through
 * mailbox, and answers what the device has yet to learn, WindowSize at a time with MoreAvailable.
 * The answer that moved a collection from a key is kept: the same key again gets the same answer,
 * and a key the gateway never gave (or gave to another device or collection) gets Status 3.
 */
@Injectable()
export class SyncEmail implements EasCommand {
  readonly command = 'Sync';
  private readonly lock = new KeyedLock();

  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(SyncStore) private readonly store: SyncStore,
    @Inject(FolderView) private readonly view: FolderView,
    @Inject(CollectionChanges) private readonly pending: CollectionChanges,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LastSyncRequests) private readonly requests: LastSyncRequests,
  ) {}

  /**
   * `keep`: the request to keep as the device's last (`LastSyncRequests`, the empty and Partial
   * Syncs after it repeat it), written in the statement of the Sync's first read, or on its own
   * when the request is answered before that.
   */
  async execute(context: EasCommandContext, keep?: WbxmlElement): Promise<EasReply> {
    const body = context.body;
    const { accountId, deviceId } = context.device;
    const keptAlone = async (reply: EasReply) => {
      if (keep) await this.requests.save(accountId, deviceId, keep);
      return reply;
    };
    // An empty Sync asks to repeat the last one; the gateway does not keep requests, so the device sends it whole.
    if (!body) return requestStatus(SYNC_STATUS.IncompleteRequest);
    const collectionsElement = child(body, 'Collections', 'AirSync');
    const requests: CollectionRequest[] = [];
    for (const element of collectionsElement ? children(collectionsElement, 'Collection', 'AirSync') : []) {
      const syncKey = childText(element, 'SyncKey', 'AirSync');
      const collectionId = childText(element, 'CollectionId', 'AirSync');
      if (
        syncKey === undefined ||
        collectionId === undefined ||
        syncKey.length > 64 ||
        collectionId.length > 64
      ) {
        return keptAlone(requestStatus(SYNC_STATUS.ProtocolError));
      }
      requests.push({ element, syncKey, collectionId });
    }
    if (requests.length === 0) return keptAlone(requestStatus(SYNC_STATUS.IncompleteRequest));
    const windowSize = sizeOf(childText(body, 'WindowSize', 'AirSync'), this.config.SYNC_MAX_WINDOW_SIZE);

    return this.lock.run(`${accountId}/${deviceId}`, async () => {
      // Whether the device holds a hierarchy, and its state of the first collection, in one read
      // under the device's lock; the request is kept as the device's last in the same statement.
      // The answer kept for a retry is read only for a retry (the key it was kept for).
      const firstRequest = requests[0]!;
      const hierarchy = await this.store.hierarchyWithState(
        accountId,
        deviceId,
        firstRequest.collectionId,
        keep && keptRequest(keep),
        firstRequest.syncKey,
      );
      if (!hierarchy) return requestStatus(SYNC_STATUS.FolderHierarchyChanged);
      // Its hierarchy is the quarantine view and it was allowed since (or the reverse): it
      // FolderSyncs first, and learns the folders it may now see.
      if (hierarchyOutOfDate(hierarchy, context.standing))
        return requestStatus(SYNC_STATUS.FolderHierarchyChanged);
      // The Email state comes with the folders, read under the device's lock and before any
      // listing: it stands in for asking again before each collection's, until the device's own
      // changes move it (an older state costs at most a listing that finds nothing). When the first
      // collection is one the device holds, the changes since its state come in the same request
      // and stand for the state (their newState).
      // The new messages come with those changes, as many as the collection's window takes: a
      // Sync that adds them needs no second request.
      const first = hierarchy.folderIds.has(firstRequest.collectionId)
        ? this.firstHeld(context, firstRequest, hierarchy.collection)
        : undefined;
      const read = first
        ? await this.mail.foldersAndChanges(accountId, first.state.emailState!, {
            maxChanges: this.windowOf(firstRequest.element, windowSize),
          })
        : await this.mail.foldersAndEmailState(accountId);
      const folders = foldersOf(read.folders);
      const known: KnownState = {
        ...(read.emailState === undefined ? {} : { emailState: read.emailState }),
        ...('changes' in read ? { changes: read.changes } : {}),
      };
      const readStates = new Map<CollectionRequest, CollectionState | null>([
        [firstRequest, hierarchy.collection],
      ]);
      const answers: CollectionAnswer[] = [];
      for (const request of requests)
        answers.push(
          await this.collection(
            context,
            request,
            folders,
            hierarchy,
            windowSize,
            known,
            readStates.get(request),
          ),
        );
      const body = el('AirSync', 'Sync', a('Collections', ...answers.map((answer) => answer.element)));
      // One collection: the answer is the document kept for a retry (or replayed from it), encoded once.
      const encoded = answers.length === 1 ? answers[0]!.encoded : undefined;
      return encoded ? { body, encoded } : { body };
    });
  }

  /**
   * The Sync's first collection when the device holds it under the key it sent, at a known state,
   * and its view follows the account's changes: their changes can come with the folders.
   */
  private firstHeld(
    context: EasCommandContext,
    request: CollectionRequest,
    state: CollectionState | null,
  ): { request: CollectionRequest; state: CollectionState } | undefined {
    if (request.syncKey === '0') return undefined;
    const { accountId } = context.device;
    const filterType = filterTypeOf(request.element);
    const view = {
      accountId,
      address: context.device.address,
      standing: context.standing,
      collectionId: request.collectionId,
      ...(filterType === undefined ? {} : { filterType }),
    };
    return state &&
      state.syncKey === request.syncKey &&
      state.emailState !== null &&
      this.view.followsChanges(view, state)
      ? { request, state }
      : undefined;
  }

  private async collection(
    context: EasCommandContext,
    request: CollectionRequest,
    folders: AccountFolders,
    /**
     * The hierarchy the device holds, as this Sync read it: its folders (`FolderState.folders`) and
     * whether they are the quarantine view.
     */
    hierarchy: { folderIds: ReadonlySet<string>; quarantined: boolean },
    globalWindow: number | undefined,
    known: KnownState,
    /** Its state (null: none), when this Sync read it already (under the same lock). */
    readState?: CollectionState | null,
  ): Promise<CollectionAnswer> {
    const { accountId, deviceId } = context.device;
    const { syncKey, collectionId, element } = request;
    const status = (value: number, key = syncKey): CollectionAnswer => ({
      element: a(
        'Collection',
        a('SyncKey', key),
        a('CollectionId', collectionId),
        a('Status', String(value)),
      ),
    });
    // A folder mailbox no longer has, or one outside the hierarchy the device holds (a user folder's
    // ServerId guessed or kept by a quarantined phone, which was shown the default folders only):
    // the device FolderSyncs first. Neither its state nor an answer kept for a retry is read, so
    // nothing of the folder is shown.
    if (!folders.byId.has(collectionId) || !hierarchy.folderIds.has(collectionId))
      return status(SYNC_STATUS.FolderHierarchyChanged);

    if (syncKey === '0') {
      const first = nextSyncKey(null);
      await this.store.resetSyncState(accountId, deviceId, collectionId, first);
      return status(SYNC_STATUS.Success, first);
    }
    const state =
      readState === undefined ? await this.store.syncState(accountId, deviceId, collectionId) : readState;
    if (state?.previousKey === syncKey && state.previousResponse) {
      // Kept while the device held the whole hierarchy, and it holds the quarantine view now: that
      // answer may hold mail, so the key is unknown and the device starts the collection over.
      if (hierarchy.quarantined && !state.previousQuarantined) return status(SYNC_STATUS.InvalidSyncKey, '0');
      return { element: replayed(state.previousResponse), encoded: state.previousResponse };
    }
    if (!state || state.syncKey !== syncKey) return status(SYNC_STATUS.InvalidSyncKey, '0');

    const options = child(element, 'Options', 'AirSync');
    const preference = chosenPreference(bodyOptionsOf(options));
    const filter = filterTypeOf(element);
    const viewRequest: FolderViewRequest = {
      accountId,
      address: context.device.address,
      standing: context.standing,
      collectionId,
      inboxId: folders.inboxId,
      ...(filter === undefined ? {} : { filterType: filter }),
    };
    const held: Record<string, HeldItem> = { ...state.items };

    const responses = await this.applyClientCommands(
      context,
      element,
      collectionId,
      held,
      folders,
      viewRequest,
      preference,
    );

    // What the device changed moved the state read before: later collections ask mailbox again.
    if (responses.changedByClient) {
      delete known.emailState;
      delete known.changes;
    }

    const getChanges = childText(element, 'GetChanges', 'AirSync') !== '0';
    const windowSize = this.windowOf(element, globalWindow);
    const commands: WbxmlElement[] = [];
    let more = false;
    let heldState = state.emailState;
    let heldWindow = state.windowDays;
    if (getChanges) {
      const found = await this.pending.pending(
        viewRequest,
        { emailState: state.emailState, items: held, windowDays: state.windowDays },
        responses.changedByClient,
        known.emailState,
        known.changes,
      );
      const { window, more: hasMore } = changesWindowOf(found.changes, windowSize);
      more = hasMore;
      // A message that left the view by age, not by a change, goes as a SoftDelete ([MS-ASCMD]
      // 2.2.3.172, 2.2.3.68.2): the phone drops it from what it holds, not as deleted on the server.
      const windowStart = windowStartOf(this.view.windowDays(viewRequest));
      for (const id of window.deleted) {
        const agedOut = inWindow(held[id]?.receivedAt, windowStart) === false;
        commands.push(a(agedOut ? 'SoftDelete' : 'Delete', a('ServerId', id)));
        delete held[id];
      }
      for (const id of window.changed) {
        const flags = found.contents!.items.get(id)!;
        commands.push(
          a('Change', a('ServerId', id), a('ApplicationData', ...flagElements(flags.read, flags.flagged))),
        );
        held[id] = { ...flags };
      }
      if (window.added.length > 0) {
        // Those that came with the changes are not asked for again.
        const created = found.created;
        const missing = created ? window.added.filter((id) => !created.has(id)) : window.added;
        const details =
          missing.length > 0 ? await this.view.emails(viewRequest, missing, { text: true, html: true }) : [];
        const byId = new Map<string, EmailDetail>(details.map((detail) => [detail.id, detail]));
        if (created)
          for (const id of window.added) {
            const detail = created.get(id);
            if (detail) byId.set(id, detail);
          }
        for (const id of window.added) {
          const detail = byId.get(id);
          // Gone between listing and reading: it is simply not held, and the next Sync settles it.
          if (!detail) continue;
          commands.push(
            a('Add', a('ServerId', id), await this.applicationData(accountId, detail, preference)),
          );
          held[id] = { ...found.contents!.items.get(id)! };
        }
      }
      if (found.contents) {
        heldState = more || isUnlisted(found.contents.state) ? null : found.contents.state;
        heldWindow = this.view.windowDays(viewRequest);
        keepReceivedAt(held, found.contents.items);
      }
    }

    const nextKey = nextSyncKey(syncKey);
    const answer = a(
      'Collection',
      a('SyncKey', nextKey),
      a('CollectionId', collectionId),
      a('Status', String(SYNC_STATUS.Success)),
      responses.elements.length > 0 && a('Responses', ...responses.elements),
      more && a('MoreAvailable'),
      commands.length > 0 && a('Commands', ...commands),
    );
    const response = encodeWbxml(el('AirSync', 'Sync', a('Collections', answer)));
    const advanced = await this.store.advanceSyncState(
      accountId,
      deviceId,
      collectionId,
      syncKey,
      {
        syncKey: nextKey,
        emailState: heldState,
        items: held,
        windowDays: heldWindow,
        response,
        quarantined: hierarchy.quarantined,
      },
      state.items,
    );
    // Another request moved the collection first, or a FolderSync changed the view the answer was
    // built for (a quarantine): the answer is neither kept nor given, the device starts over.
    return advanced ? { element: answer, encoded: response } : status(SYNC_STATUS.InvalidSyncKey, '0');
  }

  /** How many changes a collection's answer holds at most: its WindowSize, else the Sync's, else 100. */
  private windowOf(collection: WbxmlElement, globalWindow: number | undefined): number {
    return (
      sizeOf(childText(collection, 'WindowSize', 'AirSync'), this.config.SYNC_MAX_WINDOW_SIZE) ??
      globalWindow ??
      DEFAULT_WINDOW_SIZE
    );
  }

  /** The device's own changes, applied through mailbox; `held` follows them so they are not echoed back. */
  private async applyClientCommands(
    context: EasCommandContext,
    collection: WbxmlElement,
    collectionId: string,
    held: Record<string, HeldItem>,
    folders: AccountFolders,
    viewRequest: FolderViewRequest,
    preference: BodyPreference,
  ): Promise<{ elements: WbxmlElement[]; changedByClient: boolean }> {
    const commands = child(collection, 'Commands', 'AirSync');
    const elements: WbxmlElement[] = [];
    if (!commands) return { elements, changedByClient: false };
    const { accountId } = context.device;
    const quarantined = seesQuarantineView(context.standing);
    const flagChanges = new Map<string, Partial<ItemFlags>>();
    const deletes: string[] = [];
    const failed = (kind: 'Change' | 'Delete', id: string, value: number) =>
      elements.push(a(kind, a('ServerId', id), a('Status', String(value))));

    for (const command of commands.children) {
      if (typeof command !== 'object' || command instanceof Uint8Array || command.page !== 'AirSync')
        continue;
      const serverId = childText(command, 'ServerId', 'AirSync');
      if (command.tag === 'Add') {
        // Email items are created by delivery and by sending, not by a device's Sync.
        const clientId = childText(command, 'ClientId', 'AirSync') ?? '';
        elements.push(
          a('Add', a('ClientId', clientId.slice(0, 64)), a('Status', String(SYNC_STATUS.ConversionError))),
        );
        continue;
      }
      if (serverId === undefined || serverId.length > 64) continue;
      if (command.tag === 'Fetch') {
        const [detail] = held[serverId]
          ? await this.view.emails(viewRequest, [serverId], { text: true, html: true })
          : [];
        elements.push(
          detail
            ? a(
                'Fetch',
                a('ServerId', serverId),
                a('Status', String(SYNC_STATUS.Success)),
                await this.applicationData(accountId, detail, preference),
              )
            : a('Fetch', a('ServerId', serverId), a('Status', String(SYNC_STATUS.ObjectNotFound))),
        );
        continue;
      }
      // Only what the device was given in this collection can be changed through it: another
      // account's ids, or this account's from elsewhere, are "not found".
      if (!held[serverId]) {
        if (command.tag === 'Change' || command.tag === 'Delete')
          failed(command.tag, serverId, SYNC_STATUS.ObjectNotFound);
        continue;
      }
      if (quarantined) {
        // A quarantined device changes no mail. The notice is its own: a Change sets its flags as
        // the device holds them (the view keeps them), a Delete succeeds and the notice comes back
        // with the answer, as Exchange keeps it until the device is allowed. Nothing to retry.
        if (command.tag !== 'Change' && command.tag !== 'Delete') continue;
        if (serverId !== QUARANTINE_NOTICE_ID) failed(command.tag, serverId, SYNC_STATUS.ObjectNotFound);
        else if (command.tag === 'Delete') delete held[serverId];
        else held[serverId] = { ...held[serverId]!, ...flagPatchOf(command) };
        continue;
      }
      if (command.tag === 'Change') {
        const patch = flagPatchOf(command);
        if (Object.keys(patch).length > 0) flagChanges.set(serverId, patch);
      } else if (command.tag === 'Delete') {
        deletes.push(serverId);
      }
    }

    let changedByClient = false;
    if (flagChanges.size > 0) {
      const notUpdated = await this.mail.setFlags(accountId, flagChanges);
      for (const [id, patch] of flagChanges) {
        if (notUpdated.has(id)) failed('Change', id, SYNC_STATUS.ObjectNotFound);
        else held[id] = { ...held[id]!, ...patch };
      }
      changedByClient = true;
    }
    if (deletes.length > 0) {
      const asMoves = childText(collection, 'DeletesAsMoves', 'AirSync') !== '0';
      const trash = folders.trashId;
      const notDone =
        asMoves && trash && trash !== collectionId
          ? await this.mail.move(accountId, deletes, trash)
          : await this.mail.destroy(accountId, deletes);
      for (const id of deletes) {
        if (notDone.has(id)) failed('Delete', id, SYNC_STATUS.ObjectNotFound);
        else delete held[id];
      }
      changedByClient = true;
    }
    return { elements, changedByClient };
  }

  private async applicationData(
    accountId: string,
    detail: EmailDetail,
    preference: BodyPreference,
  ): Promise<WbxmlElement> {
    const mime =
      preference.type === BodyType.Mime && detail.blobId
        ? (await this.mail.blob(accountId, detail.blobId))?.data
        : undefined;
    return emailApplicationData(detail, servedBody(detail, preference, mime));
  }
}

/** A Sync answered with a Status for the request as a whole (and the bound it breaks, with Status 14). */
export function requestStatus(status: number, limit?: number): EasReply {
  return { body: buildSyncResponse(limit === undefined ? { status } : { status, limit }) };
}

function replayed(response: Buffer): WbxmlElement {
  const collections = child(decodeWbxml(response), 'Collections', 'AirSync');
  const collection = collections ? child(collections, 'Collection', 'AirSync') : undefined;
  if (!collection) throw new Error('a stored Sync answer holds no collection');
  return collection;
}

function foldersOf(list: MailFolder[]): AccountFolders {
  return {
    byId: new Map(list.map((folder) => [folder.id, folder])),
    inboxId: list.find((folder) => folder.role === 'inbox')?.id,
    trashId: list.find((folder) => folder.role === 'trash')?.id,
  };
}

function sizeOf(text: string | undefined, max: number): number | undefined {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? Math.min(value, max) : undefined;
}

/** The read and follow-up flags a Sync Change sets (only those it names). */
function flagPatchOf(change: WbxmlElement): Partial<ItemFlags> {
  const data = child(change, 'ApplicationData', 'AirSync');
  const read = data ? childText(data, 'Read', 'Email') : undefined;
  const flag = data ? child(data, 'Flag', 'Email') : undefined;
  const patch: Partial<ItemFlags> = {};
  if (read === '0' || read === '1') patch.read = read === '1';
  if (flag) patch.flagged = childText(flag, 'Status', 'Email') === '2';
  return patch;
}

/**
 * Keeps with each message the device holds when it was received, as the folder's contents tell it:
 * the changes path of a windowed Sync drops a held message by it. Its flags stay as the device was
 * told them (a change it has yet to be told waits for its window).
 */
function keepReceivedAt(held: Record<string, HeldItem>, contents: ReadonlyMap<string, FolderItem>): void {
  for (const [id, item] of Object.entries(held)) {
    const receivedAt = contents.get(id)?.receivedAt;
    if (receivedAt !== undefined && item.receivedAt !== receivedAt) held[id] = { ...item, receivedAt };
  }
}

/** The quarantine view has no JMAP state: it is listed afresh every time. */
function isUnlisted(state: string): boolean {
  return state === 'quarantined';
}

/** The FilterType a collection of a Sync asks for, if any. */
function filterTypeOf(collection: WbxmlElement): number | undefined {
  const options = child(collection, 'Options', 'AirSync');
  const filter = Number(options ? childText(options, 'FilterType', 'AirSync') : undefined);
  return Number.isInteger(filter) ? filter : undefined;
}
