import { Inject, Injectable } from '@nestjs/common';
import {
  attachmentProperties,
  child,
  childText,
  el,
  elementsOf,
  encodeMultipart,
  encodeWbxml,
  ITEM_OPERATIONS_STATUS as FetchStatus,
  MULTIPART_CONTENT_TYPE,
  type WbxmlElement,
} from '@pushmail/activesync';
import { Attachments, readCapped } from '../../mailbox/attachments.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { BodyType, bodyOptionsOf, chosenPreference } from '../../sync/body-preference.js';
import { emailApplicationData, servedBody } from '../../sync/email-item.js';
import { FolderView, seesQuarantineView } from '../../sync/folder-view.js';

const i = elementsOf('ItemOperations');

/**
 * ItemOperations Fetch from the Mailbox store: a message by ServerId or Search LongId (its body as preferred, or its
 * MIME) and an attachment by FileReference (up to ATTACHMENT_MAX_BYTES, Status 11 beyond), always
 * checked against the signed-in account. An attachment may be asked for by byte range (Options
 * Range, answered with the range served and the Total), and a device that accepts multipart gets
 * the attachments' bytes as parts of the answer instead of base64 in it.
 * EmptyFolderContents and Move are not supported and say so (Status 156, action not supported).
 */
@Injectable()
export class FetchItems implements EasCommand {
  readonly command = 'ItemOperations';

  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(FolderView) private readonly view: FolderView,
    @Inject(Attachments) private readonly attachments: Attachments,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    if (!body) return statusReply(this.command, FetchStatus.ProtocolError);
    const responses: WbxmlElement[] = [];
    // Part 0 is the document; with multipart, each fetched attachment is a part after it.
    const parts: Uint8Array[] | undefined = context.request.acceptMultiPart ? [] : undefined;
    for (const operation of body.children) {
      if (typeof operation !== 'object' || operation instanceof Uint8Array) continue;
      if (operation.tag !== 'Fetch') {
        responses.push(
          i(
            operation.tag === 'Move' ? 'Move' : 'EmptyFolderContents',
            i('Status', String(FetchStatus.ActionNotSupported)),
          ),
        );
        continue;
      }
      responses.push(await this.fetch(context, operation, parts));
    }
    const document = i(
      'ItemOperations',
      i('Status', String(FetchStatus.Success)),
      i('Response', ...responses),
    );
    if (!parts) return { body: document };
    const multipart = encodeMultipart([encodeWbxml(document), ...parts]);
    return {
      stream: ReadableStream.from([new Uint8Array(multipart)]),
      contentType: MULTIPART_CONTENT_TYPE,
      length: multipart.length,
    };
  }

  private async fetch(
    context: EasCommandContext,
    fetch: WbxmlElement,
    parts: Uint8Array[] | undefined,
  ): Promise<WbxmlElement> {
    const { accountId } = context.device;
    const store = childText(fetch, 'Store', 'ItemOperations');
    if (store?.toLowerCase() !== 'mailbox') return i('Fetch', i('Status', String(FetchStatus.UnknownStore)));
    const reference = childText(fetch, 'FileReference', 'AirSyncBase');
    if (reference !== undefined) {
      // A quarantined device may fetch nothing but the notice, which has no attachments: any
      // reference is 6 (object not found), real or not, without asking mailbox. Not 3 (server error)
      // nor 12 (I/O failure), which a phone retries; the same 6 as a reference of another account.
      const lookup = seesQuarantineView(context.standing)
        ? ({ found: false, reason: 'unknown' } as const)
        : await this.attachments.open(accountId, reference);
      const data = lookup.found ? await readCapped(lookup.body, this.attachments.maxBytes) : undefined;
      if (!lookup.found || !data) {
        const status =
          !lookup.found && lookup.reason === 'unknown'
            ? FetchStatus.ObjectNotFound
            : FetchStatus.DataTooLarge;
        return i(
          'Fetch',
          i('Status', String(status)),
          el('AirSyncBase', 'FileReference', reference.slice(0, 600)),
        );
      }
      const options = child(fetch, 'Options', 'ItemOperations');
      const range = byteRange(options && childText(options, 'Range', 'ItemOperations'), data.length);
      if (range === 'invalid')
        return i(
          'Fetch',
          i('Status', String(FetchStatus.InvalidByteRange)),
          el('AirSyncBase', 'FileReference', reference),
        );
      const served = range ? data.subarray(range[0], range[1] + 1) : data;
      parts?.push(served);
      return i(
        'Fetch',
        i('Status', String(FetchStatus.Success)),
        el('AirSyncBase', 'FileReference', reference),
        i(
          'Properties',
          ...attachmentProperties({
            contentType: lookup.type,
            ...(range ? { range, total: data.length } : {}),
            ...(parts ? { part: parts.length } : { data: served }),
          }),
        ),
      );
    }
    // A message by ServerId (with its CollectionId) or by the LongId a Search answered with: both are
    // the message's id here. Naming both, or neither, is a protocol error.
    const byServerId = childText(fetch, 'ServerId', 'AirSync');
    const longId = childText(fetch, 'LongId', 'Search');
    const serverId = byServerId ?? longId;
    const collectionId = childText(fetch, 'CollectionId', 'AirSync');
    if (!serverId || serverId.length > 64 || (byServerId !== undefined && longId !== undefined))
      return i('Fetch', i('Status', String(FetchStatus.ProtocolError)));
    const named =
      byServerId !== undefined ? el('AirSync', 'ServerId', serverId) : el('Search', 'LongId', serverId);
    const folders = await this.mail.folders(accountId);
    const request = {
      accountId,
      address: context.device.address,
      standing: context.standing,
      collectionId: collectionId ?? '',
      inboxId: folders.find((folder) => folder.role === 'inbox')?.id,
    };
    // A quarantined device's view holds the notice only: any other id is 6 (object not found), as
    // for an id the account does not have, and mailbox is not asked for it.
    const [detail] = await this.view.emails(request, [serverId], { text: true, html: true });
    if (
      !detail ||
      (collectionId !== undefined &&
        !seesQuarantineView(context.standing) &&
        !detail.mailboxIds.includes(collectionId))
    ) {
      return i('Fetch', i('Status', String(FetchStatus.ObjectNotFound)), named);
    }
    const options = bodyOptionsOf(child(fetch, 'Options', 'ItemOperations'));
    const preference = chosenPreference(options);
    const mime =
      preference.type === BodyType.Mime && detail.blobId
        ? (await this.mail.blob(accountId, detail.blobId))?.data
        : undefined;
    return i(
      'Fetch',
      i('Status', String(FetchStatus.Success)),
      el('AirSync', 'CollectionId', collectionId ?? detail.mailboxIds[0] ?? ''),
      named,
      el('AirSync', 'Class', 'Email'),
      emailApplicationData(detail, servedBody(detail, preference, mime), 'Properties', 'ItemOperations'),
    );
  }
}

/**
 * The bytes a Range option asks for ("first-last", both inclusive), its end cut to the attachment's
 * last byte; 'invalid' for one that is not a range or starts past the end; undefined for none.
 */
export function byteRange(text: string | undefined, total: number): [number, number] | 'invalid' | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{1,10})-(\d{1,10})$/.exec(text.trim());
  if (!match) return 'invalid';
  const [first, last] = [Number(match[1]), Number(match[2])];
  if (first > last || first >= total) return 'invalid';
  return [first, Math.min(last, total - 1)];
}
