import { Inject, Injectable } from '@nestjs/common';
import { EMAIL_METADATA_PROPERTIES, isObject, type Invocation } from '@pushmail/jmap';
import { inWindow } from '../sync/sync-window.js';
import { answerOf, MAILBOX_API, type MailboxApi, MethodFailedError } from './mailbox-client.js';

/** A JMAP mailbox as the gateway needs it. */
/** The ids an Email/set left undone, each with the type of its SetError (RFC 8620 §5.3). */
export type Refusals = Map<string, string>;

export interface MailFolder {
  id: string;
  parentId: string | null;
  name: string;
  role: string | null;
}

/** The flags EAS carries for a message. */
export interface ItemFlags {
  read: boolean;
  flagged: boolean;
}

/** A message of a folder as a Sync compares it with what the device holds: its flags and when it was received. */
export interface FolderItem extends ItemFlags {
  /** A UTCDate; absent only where the view has none (the quarantine notice). */
  receivedAt?: string;
}

export interface FolderContents {
  /** The account's Email state the listing was read at. */
  state: string;
  /** Email id -> flags and receivedAt, newest first. */
  items: Map<string, FolderItem>;
}

export interface EmailAddress {
  name: string | null;
  email: string;
}

export interface EmailAttachment {
  blobId: string;
  name: string | null;
  type: string;
  size: number;
  cid: string | null;
  disposition: string | null;
}

/** What a Sync Add, an ItemOperations Fetch or a Search result shows of a message. */
export interface EmailDetail {
  id: string;
  blobId: string;
  mailboxIds: string[];
  threadId: string;
  flags: ItemFlags;
  size: number;
  receivedAt: string;
  subject: string;
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  replyTo: EmailAddress[];
  messageId: string | null;
  preview: string;
  text: string | null;
  html: string | null;
  attachments: EmailAttachment[];
  hasAttachment: boolean;
}

/** Mailbox's limits: 500 ids per /get and per /query page, 32 calls per request. */
const PAGE = 500;
const PAGES_PER_REQUEST = 12;
/**
 * Pages asked for in a listing's first request. Most folders fit one page, and mailbox runs every
 * call it is sent (each in a snapshot of its own), so asking for twelve pages up front made each
 * listing of a small folder cost 25 calls instead of 3. A full first page asks for the rest, twelve at a time.
 */
const FIRST_REQUEST_PAGES = 1;

const EMAIL_DETAIL_PROPERTIES = [
  ...EMAIL_METADATA_PROPERTIES,
  'subject',
  'from',
  'to',
  'cc',
  'replyTo',
  'messageId',
  'preview',
  'textBody',
  'htmlBody',
  'attachments',
  'hasAttachment',
  'bodyValues',
];

/**
 * The account's mail, read and changed through mailbox's internal JMAP API: the gateway holds no
 * mail of its own, so every change a phone makes is a JMAP change every other device sees.
 */
@Injectable()
export class MailStore {
  constructor(@Inject(MAILBOX_API) private readonly mailbox: MailboxApi) {}

  async folders(accountId: string): Promise<MailFolder[]> {
    const responses = await this.mailbox.call(accountId, [
      ['Mailbox/get', { accountId, properties: ['id', 'parentId', 'name', 'role'] }, 'f'],
    ]);
    return foldersOf(responses);
  }

  /** The folders and the account's current Email state, in one request. */
  async foldersAndEmailState(accountId: string): Promise<{ folders: MailFolder[]; emailState: string }> {
    const responses = await this.mailbox.call(accountId, [
      ['Mailbox/get', { accountId, properties: ['id', 'parentId', 'name', 'role'] }, 'f'],
      ['Email/get', { accountId, ids: [] }, 's'],
    ]);
    return { folders: foldersOf(responses), emailState: String(answerOf(responses, 's')['state']) };
  }

  /** The account's current Email state. */
  async emailState(accountId: string): Promise<string> {
    const responses = await this.mailbox.call(accountId, [['Email/get', { accountId, ids: [] }, 's']]);
    return String(answerOf(responses, 's')['state']);
  }

  /**
   * The folder's messages (newest first, at most `max`, received on or after `after` when given),
   * their flags and when they were received.
   */
  async contents(accountId: string, mailboxId: string, max: number, after?: Date): Promise<FolderContents> {
    const items = new Map<string, FolderItem>();
    const filter = { inMailbox: mailboxId, ...(after ? { after: after.toISOString() } : {}) };
    let state = '';
    let position = 0;
    for (;;) {
      // The state is read before the listing, in a call of its own: each method reads its own
      // snapshot, so a state read after the listing could already count mail the listing missed,
      // and the device would never be told of it. An older state costs at most a Sync that finds nothing.
      const calls: Invocation[] = state === '' ? [['Email/get', { accountId, ids: [] }, 's']] : [];
      const listing = calls.length;
      const pagesNow = position === 0 ? FIRST_REQUEST_PAGES : PAGES_PER_REQUEST;
      for (let page = 0; page < pagesNow && position + page * PAGE < max; page += 1) {
        const at = position + page * PAGE;
        calls.push([
          'Email/query',
          {
            accountId,
            filter,
            sort: [{ property: 'receivedAt', isAscending: false }],
            position: at,
            limit: Math.min(PAGE, max - at),
          },
          `q${page}`,
        ]);
        calls.push([
          'Email/get',
          {
            accountId,
            '#ids': { resultOf: `q${page}`, name: 'Email/query', path: '/ids' },
            properties: ['id', 'keywords', 'receivedAt'],
          },
          `g${page}`,
        ]);
      }
      const responses = await this.mailbox.call(accountId, calls);
      if (listing > 0) state = String(answerOf(responses, 's')['state']);
      const pages = (calls.length - listing) / 2;
      let exhausted = false;
      for (let page = 0; page < pages; page += 1) {
        const got = answerOf(responses, `g${page}`);
        const list = Array.isArray(got['list']) ? got['list'].filter(isObject) : [];
        for (const email of list) items.set(String(email['id']), folderItemOf(email));
        const ids = answerOf(responses, `q${page}`)['ids'];
        if (!Array.isArray(ids) || ids.length < PAGE) exhausted = true;
      }
      position += pages * PAGE;
      if (exhausted || position >= max) break;
    }
    return { state, items };
  }

  /**
   * The folder as it is now, from what the device holds (`held`, answered at `sinceState`) and what
   * changed in the account since: one request of Email/changes and Email/get of the created and the
   * updated ids by back-reference (RFC 8620 §3.7), instead of a listing of the whole folder. New
   * messages come first, newest first, as a listing gives them. Undefined when mailbox cannot tell
   * (a state too old, more changes than one page) or the folder would hold more than `max`: the
   * folder is then listed. `windowStart`: as `contentsFromChanges`.
   */
  async changedContents(
    accountId: string,
    mailboxId: string,
    sinceState: string,
    held: Readonly<Record<string, FolderItem>>,
    max: number,
    windowStart?: Date,
  ): Promise<FolderContents | undefined> {
    const responses = await this.mailbox.call(accountId, changesCalls(accountId, sinceState));
    return contentsFromChanges({ sinceState, responses }, mailboxId, held, max, windowStart);
  }

  /**
   * The folders and what changed in the account since `sinceState` (Email/changes with Email/get
   * of the created and the updated ids by back-reference), in one request: the Sync of a folder the
   * device holds needs both. The changes stand for the account's Email state too (`newState`,
   * read in the same request as the folders); undefined when mailbox could not tell them.
   */
  async foldersAndChanges(
    accountId: string,
    sinceState: string,
    /**
     * The created messages come with what a Sync Add shows of them (`EmailChanges.created`), so the
     * Sync that adds them asks no second time. `maxChanges` bounds how many: more changes than that
     * and mailbox does not tell them (the folder is then listed, as for more than a page).
     */
    details?: { maxChanges: number },
  ): Promise<{ folders: MailFolder[]; emailState: string | undefined; changes: EmailChanges }> {
    const responses = await this.mailbox.call(accountId, [
      ['Mailbox/get', { accountId, properties: ['id', 'parentId', 'name', 'role'] }, 'f'],
      ...changesCalls(accountId, sinceState, details?.maxChanges),
    ]);
    const changes: EmailChanges = { sinceState, responses };
    if (details) changes.created = createdDetailsOf(responses);
    return { folders: foldersOf(responses), emailState: newStateOf(changes), changes };
  }

  /** The messages by id; ids the account does not have are left out. */
  async emails(
    accountId: string,
    ids: string[],
    bodies: { text: boolean; html: boolean },
  ): Promise<EmailDetail[]> {
    const details: EmailDetail[] = [];
    for (let start = 0; start < ids.length; start += PAGE) {
      const responses = await this.mailbox.call(accountId, [
        [
          'Email/get',
          {
            accountId,
            ids: ids.slice(start, start + PAGE),
            properties: EMAIL_DETAIL_PROPERTIES,
            fetchTextBodyValues: bodies.text,
            fetchHTMLBodyValues: bodies.html,
          },
          'e',
        ],
      ]);
      const list = answerOf(responses, 'e')['list'];
      for (const email of Array.isArray(list) ? list.filter(isObject) : []) details.push(detailOf(email));
    }
    return details;
  }

  /** Sets read and flagged; returns the ids mailbox did not update (unknown to the account). */
  async setFlags(accountId: string, changes: Map<string, Partial<ItemFlags>>): Promise<Refusals> {
    const update: Record<string, Record<string, boolean | null>> = {};
    for (const [id, flags] of changes) {
      const patch: Record<string, boolean | null> = {};
      if (flags.read !== undefined) patch['keywords/$seen'] = flags.read ? true : null;
      if (flags.flagged !== undefined) patch['keywords/$flagged'] = flags.flagged ? true : null;
      update[id] = patch;
    }
    return this.setEmails(accountId, { update });
  }

  /** Moves messages into `mailboxId` (out of every other); returns the ids that were not moved, and why. */
  async move(accountId: string, ids: string[], mailboxId: string): Promise<Refusals> {
    const update: Record<string, Record<string, unknown>> = {};
    for (const id of ids) update[id] = { mailboxIds: { [mailboxId]: true } };
    return this.setEmails(accountId, { update });
  }

  /** Destroys messages; returns the ids that were not destroyed. */
  async destroy(accountId: string, ids: string[]): Promise<Refusals> {
    return this.setEmails(accountId, { destroy: ids });
  }

  async createFolder(
    accountId: string,
    name: string,
    parentId: string | null,
  ): Promise<{ ok: true; id: string } | { ok: false; type: string }> {
    const answer = await this.setMailboxes(accountId, { create: { n: { name, parentId } } });
    const created = isObject(answer['created']) ? answer['created']['n'] : undefined;
    if (isObject(created) && typeof created['id'] === 'string') return { ok: true, id: created['id'] };
    return { ok: false, type: errorType(answer['notCreated'], 'n') };
  }

  async updateFolder(
    accountId: string,
    id: string,
    name: string,
    parentId: string | null,
  ): Promise<{ ok: true } | { ok: false; type: string }> {
    const answer = await this.setMailboxes(accountId, { update: { [id]: { name, parentId } } });
    if (isObject(answer['updated']) && id in answer['updated']) return { ok: true };
    return { ok: false, type: errorType(answer['notUpdated'], id) };
  }

  async destroyFolder(accountId: string, id: string): Promise<{ ok: true } | { ok: false; type: string }> {
    const answer = await this.setMailboxes(accountId, { destroy: [id], onDestroyRemoveEmails: true });
    if (Array.isArray(answer['destroyed']) && answer['destroyed'].includes(id)) return { ok: true };
    return { ok: false, type: errorType(answer['notDestroyed'], id) };
  }

  /** Messages matching free text (in one folder, when given), newest first: a page and the total. */
  async search(
    accountId: string,
    text: string,
    mailboxId: string | undefined,
    position: number,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const responses = await this.mailbox.call(accountId, [
      [
        'Email/query',
        {
          accountId,
          filter: { text, ...(mailboxId ? { inMailbox: mailboxId } : {}) },
          sort: [{ property: 'receivedAt', isAscending: false }],
          position,
          limit,
          calculateTotal: true,
        },
        's',
      ],
    ]);
    const answer = answerOf(responses, 's');
    const ids = Array.isArray(answer['ids']) ? answer['ids'].map(String) : [];
    return { ids, total: typeof answer['total'] === 'number' ? answer['total'] : ids.length };
  }

  blob(accountId: string, blobId: string): Promise<{ type: string; data: Buffer } | undefined> {
    return this.mailbox.blob(accountId, blobId);
  }

  private async setEmails(accountId: string, args: Record<string, unknown>): Promise<Refusals> {
    const failed: Refusals = new Map();
    const responses = await this.mailbox.call(accountId, [['Email/set', { accountId, ...args }, 's']]);
    const answer = answerOf(responses, 's');
    for (const key of ['notUpdated', 'notDestroyed']) {
      const refused = answer[key];
      if (isObject(refused)) for (const id of Object.keys(refused)) failed.set(id, errorType(refused, id));
    }
    return failed;
  }

  private async setMailboxes(
    accountId: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const responses = await this.mailbox.call(accountId, [['Mailbox/set', { accountId, ...args }, 'm']]);
    return answerOf(responses, 'm');
  }
}

/** An answer of Email/changes since `sinceState`, with the created and the updated ones got. */
export interface EmailChanges {
  sinceState: string;
  responses: Invocation[];
  /**
   * The created messages in full (`EmailDetail`), when they were asked for with the changes: read
   * in the same snapshot as the changes. A message whose text or HTML was longer than
   * `CREATED_BODY_BYTES` is left out (its full size is part of what a Sync Add tells), as is one the
   * changes' answer did not hold.
   */
  created?: ReadonlyMap<string, EmailDetail>;
}

/**
 * How much of each body value the created messages come with, when they come with the changes: a
 * longer one is read again whole, by itself, so that the many that fit cost no second request and
 * a catch-up of large messages no answer of many megabytes.
 */
export const CREATED_BODY_BYTES = 64 * 1024;

function changesCalls(accountId: string, sinceState: string, detailsUpTo?: number): Invocation[] {
  const metadata = ['id', 'mailboxIds', 'keywords', 'receivedAt'];
  const changedOnes = (path: '/created' | '/updated', callId: string, details: boolean): Invocation => [
    'Email/get',
    {
      accountId,
      '#ids': { resultOf: 'c', name: 'Email/changes', path },
      ...(details
        ? {
            properties: EMAIL_DETAIL_PROPERTIES,
            fetchTextBodyValues: true,
            fetchHTMLBodyValues: true,
            maxBodyValueBytes: CREATED_BODY_BYTES,
          }
        : { properties: metadata }),
    },
    callId,
  ];
  const maxChanges = detailsUpTo === undefined ? PAGE : Math.max(1, Math.min(PAGE, detailsUpTo));
  return [
    ['Email/changes', { accountId, sinceState, maxChanges }, 'c'],
    changedOnes('/created', 'gc', detailsUpTo !== undefined),
    changedOnes('/updated', 'gu', false),
  ];
}

/** The created messages of a changes request that asked for them in full, but those cut short. */
function createdDetailsOf(responses: Invocation[]): Map<string, EmailDetail> {
  const details = new Map<string, EmailDetail>();
  let list: unknown;
  try {
    list = answerOf(responses, 'gc')['list'];
  } catch (error) {
    if (error instanceof MethodFailedError) return details;
    throw error;
  }
  for (const email of Array.isArray(list) ? list.filter(isObject) : []) {
    const values = isObject(email['bodyValues']) ? Object.values(email['bodyValues']) : [];
    if (values.some((value) => isObject(value) && value['isTruncated'] === true)) continue;
    const detail = detailOf(email);
    details.set(detail.id, detail);
  }
  return details;
}

/** The answer of Email/changes when it told every change (its newState is then the account's state). */
function completeChanges(changes: EmailChanges): Record<string, unknown> | undefined {
  let answer: Record<string, unknown>;
  try {
    answer = answerOf(changes.responses, 'c');
  } catch (error) {
    if (error instanceof MethodFailedError) return undefined;
    throw error;
  }
  return answer['hasMoreChanges'] === false && typeof answer['newState'] === 'string' ? answer : undefined;
}

/** The account's Email state the changes were read at; undefined when mailbox could not tell them all. */
export function newStateOf(changes: EmailChanges): string | undefined {
  const answer = completeChanges(changes);
  return answer ? String(answer['newState']) : undefined;
}

/**
 * The folder as it is now, from what the device holds (`held`, answered at the changes'
 * `sinceState`) and the changes. New messages come first, newest first, as a listing gives them.
 * Undefined when mailbox could not tell (a state too old, more changes than one page) or the
 * folder would hold more than `max`: the folder is then listed.
 *
 * `windowStart`: the oldest a message may be received to be in the view (a sync window). Held
 * messages received before it leave the view as a listing of the window leaves them out, and
 * created or moved-in ones received before it are not added; a held message whose receivedAt is
 * not known (held before it was kept) makes it undefined, so the window is listed.
 */
export function contentsFromChanges(
  changes: EmailChanges,
  mailboxId: string,
  held: Readonly<Record<string, FolderItem>>,
  max: number,
  windowStart?: Date,
): FolderContents | undefined {
  const answer = completeChanges(changes);
  if (!answer) return undefined;
  const { responses } = changes;
  const items = new Map<string, FolderItem>();
  for (const [id, item] of Object.entries(held)) {
    const within = inWindow(item.receivedAt, windowStart);
    if (within === undefined) return undefined;
    if (within) items.set(id, item);
  }
  const arrived = new Map<string, FolderItem>();
  const destroyed = Array.isArray(answer['destroyed']) ? answer['destroyed'].map(String) : [];
  for (const id of destroyed) items.delete(id);
  for (const callId of ['gc', 'gu']) {
    const list = answerOf(responses, callId)['list'];
    for (const email of Array.isArray(list) ? list.filter(isObject) : []) {
      const id = String(email['id']);
      const item = folderItemOf(email);
      const inFolder = isObject(email['mailboxIds']) && email['mailboxIds'][mailboxId] === true;
      const within = inWindow(item.receivedAt, windowStart);
      if (within === undefined) return undefined;
      // Held before the window passed it, or held elsewhere: it leaves, as a listing leaves it out.
      if (!inFolder || !within) {
        items.delete(id);
        arrived.delete(id);
      } else if (Object.hasOwn(held, id)) items.set(id, item);
      else arrived.set(id, item);
    }
    // Ids asked for and gone meanwhile (destroyed after the changes were read) are not in the folder.
    const notFound = answerOf(responses, callId)['notFound'];
    for (const id of Array.isArray(notFound) ? notFound.map(String) : []) {
      items.delete(id);
      arrived.delete(id);
    }
  }
  if (items.size + arrived.size > max) return undefined;
  const received = (item: FolderItem) => item.receivedAt ?? '';
  const newestFirst = [...arrived].sort(([, a], [, b]) =>
    received(a) < received(b) ? 1 : received(a) > received(b) ? -1 : 0,
  );
  const contents = new Map<string, FolderItem>(newestFirst);
  for (const [id, item] of items) contents.set(id, item);
  return { state: String(answer['newState']), items: contents };
}

function foldersOf(responses: Invocation[]): MailFolder[] {
  const list = answerOf(responses, 'f')['list'];
  return (Array.isArray(list) ? list : []).filter(isObject).map((mailbox) => ({
    id: String(mailbox['id']),
    parentId: typeof mailbox['parentId'] === 'string' ? mailbox['parentId'] : null,
    name: typeof mailbox['name'] === 'string' ? mailbox['name'] : '',
    role: typeof mailbox['role'] === 'string' ? mailbox['role'] : null,
  }));
}

/** An email's flags and receivedAt, as a listing or the changes' Email/get answer them. */
function folderItemOf(email: Record<string, unknown>): FolderItem {
  const flags = flagsOf(email['keywords']);
  return typeof email['receivedAt'] === 'string' ? { ...flags, receivedAt: email['receivedAt'] } : flags;
}

export function flagsOf(keywords: unknown): ItemFlags {
  const set = isObject(keywords) ? keywords : {};
  return { read: set['$seen'] === true, flagged: set['$flagged'] === true };
}

function errorType(refusals: unknown, key: string): string {
  const refusal = isObject(refusals) ? refusals[key] : undefined;
  return isObject(refusal) && typeof refusal['type'] === 'string' ? refusal['type'] : 'serverFail';
}

function addresses(value: unknown): EmailAddress[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((address) => ({
    name: typeof address['name'] === 'string' ? address['name'] : null,
    email: typeof address['email'] === 'string' ? address['email'] : '',
  }));
}

function bodyText(email: Record<string, unknown>, part: 'textBody' | 'htmlBody'): string | null {
  const parts = Array.isArray(email[part]) ? email[part].filter(isObject) : [];
  const values = isObject(email['bodyValues']) ? email['bodyValues'] : {};
  const texts = parts
    .map((body) => (typeof body['partId'] === 'string' ? values[body['partId']] : undefined))
    .filter(isObject)
    .map((value) => (typeof value['value'] === 'string' ? value['value'] : ''));
  return texts.length === 0 ? null : texts.join('\n');
}

function detailOf(email: Record<string, unknown>): EmailDetail {
  const attachments = (Array.isArray(email['attachments']) ? email['attachments'] : [])
    .filter(isObject)
    .filter((part) => typeof part['blobId'] === 'string')
    .map((part) => ({
      blobId: String(part['blobId']),
      name: typeof part['name'] === 'string' ? part['name'] : null,
      type: typeof part['type'] === 'string' ? part['type'] : 'application/octet-stream',
      size: typeof part['size'] === 'number' ? part['size'] : 0,
      cid: typeof part['cid'] === 'string' ? part['cid'] : null,
      disposition: typeof part['disposition'] === 'string' ? part['disposition'] : null,
    }));
  const messageIds = Array.isArray(email['messageId']) ? email['messageId'] : [];
  return {
    id: String(email['id']),
    blobId: String(email['blobId']),
    mailboxIds: isObject(email['mailboxIds']) ? Object.keys(email['mailboxIds']) : [],
    threadId: String(email['threadId'] ?? ''),
    flags: flagsOf(email['keywords']),
    size: typeof email['size'] === 'number' ? email['size'] : 0,
    receivedAt: typeof email['receivedAt'] === 'string' ? email['receivedAt'] : new Date(0).toISOString(),
    subject: typeof email['subject'] === 'string' ? email['subject'] : '',
    from: addresses(email['from']),
    to: addresses(email['to']),
    cc: addresses(email['cc']),
    replyTo: addresses(email['replyTo']),
    messageId: typeof messageIds[0] === 'string' ? messageIds[0] : null,
    preview: typeof email['preview'] === 'string' ? email['preview'] : '',
    text: bodyText(email, 'textBody'),
    html: bodyText(email, 'htmlBody'),
    attachments,
    hasAttachment: email['hasAttachment'] === true,
  };
}
