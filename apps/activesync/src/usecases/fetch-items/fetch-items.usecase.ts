import { Inject, Injectable } from '@nestjs/common';
import { child, childText, el, type WbxmlElement } from '@pushmail/activesync';
import { Attachments, readCapped } from '../../mailbox/attachments.js';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { BodyType, bodyOptionsOf, chosenPreference } from '../../sync/body-preference.js';
import { emailApplicationData, servedBody } from '../../sync/email-item.js';
import { FolderView } from '../../sync/folder-view.js';

/** ItemOperations statuses ([MS-ASCMD] 2.2.3.177.8). */
const FetchStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  ObjectNotFound: 6,
  StoreUnknown: 9,
  DataTooLarge: 11,
  NotSupported: 18,
} as const;

const i = (tag: string, ...content: Parameters<typeof el>[2][]) => el('ItemOperations', tag, ...content);

/**
 * ItemOperations Fetch from the Mailbox store: a message by ServerId (its body as preferred, or its
 * MIME) and an attachment by FileReference (up to ATTACHMENT_MAX_BYTES, Status 11 beyond), always
 * checked against the signed-in account.
 * EmptyFolderContents and Move are not supported and say so.
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
    if (!body) return { body: i('ItemOperations', i('Status', String(FetchStatus.ProtocolError))) };
    const responses: WbxmlElement[] = [];
    for (const operation of body.children) {
      if (typeof operation !== 'object' || operation instanceof Uint8Array) continue;
      if (operation.tag !== 'Fetch') {
        responses.push(
          i(
            operation.tag === 'Move' ? 'Move' : 'EmptyFolderContents',
            i('Status', String(FetchStatus.NotSupported)),
          ),
        );
        continue;
      }
      responses.push(await this.fetch(context, operation));
    }
    return {
      body: i('ItemOperations', i('Status', String(FetchStatus.Success)), i('Response', ...responses)),
    };
  }

  private async fetch(context: EasCommandContext, fetch: WbxmlElement): Promise<WbxmlElement> {
    const { accountId } = context.device;
    const store = childText(fetch, 'Store', 'ItemOperations');
    if (store?.toLowerCase() !== 'mailbox') return i('Fetch', i('Status', String(FetchStatus.StoreUnknown)));
    const reference = childText(fetch, 'FileReference', 'AirSyncBase');
    if (reference !== undefined) {
      const lookup =
        context.standing.access === 'quarantined'
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
      return i(
        'Fetch',
        i('Status', '1'),
        el('AirSyncBase', 'FileReference', reference),
        i('Properties', el('AirSyncBase', 'ContentType', lookup.type), i('Data', data.toString('base64'))),
      );
    }
    const serverId = childText(fetch, 'ServerId', 'AirSync');
    const collectionId = childText(fetch, 'CollectionId', 'AirSync');
    if (!serverId || serverId.length > 64) return i('Fetch', i('Status', String(FetchStatus.ProtocolError)));
    const folders = await this.mail.folders(accountId);
    const request = {
      accountId,
      address: context.device.address,
      standing: context.standing,
      collectionId: collectionId ?? '',
      inboxId: folders.find((folder) => folder.role === 'inbox')?.id,
    };
    const [detail] = await this.view.emails(request, [serverId], { text: true, html: true });
    if (
      !detail ||
      (collectionId !== undefined &&
        context.standing.access !== 'quarantined' &&
        !detail.mailboxIds.includes(collectionId))
    ) {
      return i('Fetch', i('Status', String(FetchStatus.ObjectNotFound)), el('AirSync', 'ServerId', serverId));
    }
    const options = bodyOptionsOf(child(fetch, 'Options', 'ItemOperations'));
    const preference = chosenPreference(options);
    const mime =
      preference.type === BodyType.Mime && detail.blobId
        ? (await this.mail.blob(accountId, detail.blobId))?.data
        : undefined;
    return i(
      'Fetch',
      i('Status', '1'),
      el('AirSync', 'CollectionId', collectionId ?? detail.mailboxIds[0] ?? ''),
      el('AirSync', 'ServerId', serverId),
      el('AirSync', 'Class', 'Email'),
      emailApplicationData(detail, servedBody(detail, preference, mime), 'Properties', 'ItemOperations'),
    );
  }
}
