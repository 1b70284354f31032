import { randomBytes } from 'node:crypto';
import {
  child,
  childText,
  decodeMultipart,
  decodeWbxml,
  el,
  elementsOf,
  MULTIPART_CONTENT_TYPE,
  type WbxmlElement,
} from '@pushmail/activesync';
import { easRequests, syncCollectionOf, type EasClient } from '@pushmail/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayPerSuite } from '../../testing/gateway-harness.js';
import { FetchItems } from './fetch-items.usecase.js';

describe(FetchItems.name, () => {
  const gateway = gatewayPerSuite('eas-fetch', { ATTACHMENT_MAX_BYTES: '20000' });
  const data = randomBytes(5000);
  let client: EasClient;
  let reference: string;
  let messageId: string;

  beforeAll(async () => {
    const account = await gateway.newAccount();
    client = gateway.phone(account);
    await client.folderSync('0');
    const inbox = gateway.mailbox.folderId(account.accountId, 'inbox');
    const start = syncCollectionOf((await client.sync(inbox, '0')).body)!;
    gateway.mailbox.deliver(account.accountId, {
      subject: 'attached',
      from: 'b@x.y',
      to: account.address,
      text: 'see attached',
      attachments: [{ name: 'a.bin', type: 'application/octet-stream', data }],
    });
    const collection = syncCollectionOf((await client.sync(inbox, childText(start, 'SyncKey')!)).body)!;
    const add = child(child(collection, 'Commands')!, 'Add')!;
    messageId = childText(add, 'ServerId')!;
    reference = childText(
      child(child(child(add, 'ApplicationData')!, 'Attachments')!, 'Attachment')!,
      'FileReference',
    )!;
  });

  /** Fetches the attachment with `options` (Range); answers each Fetch of the response. */
  const fetchOf = (body: WbxmlElement | undefined) => child(child(body!, 'Response')!, 'Fetch')!;
  const ranged = (range: string) =>
    easRequests.itemFetch(
      el('AirSyncBase', 'FileReference', reference),
      el('ItemOperations', 'Options', el('ItemOperations', 'Range', range)),
    );

  it('serves the byte range asked for, cut at the last byte, with the range served and the total', async () => {
    const middle = fetchOf((await client.command('ItemOperations', ranged('100-1099'))).body);
    expect(childText(middle, 'Status')).toBe('1');
    const properties = child(middle, 'Properties')!;
    expect(childText(properties, 'Range')).toBe('100-1099');
    expect(childText(properties, 'Total')).toBe('5000');
    expect(Buffer.from(childText(properties, 'Data')!, 'base64').equals(data.subarray(100, 1100))).toBe(true);

    const tail = child(
      fetchOf((await client.command('ItemOperations', ranged('4000-9999'))).body),
      'Properties',
    )!;
    expect(childText(tail, 'Range')).toBe('4000-4999');
    expect(Buffer.from(childText(tail, 'Data')!, 'base64').equals(data.subarray(4000))).toBe(true);
  });

  it('answers Move and EmptyFolderContents 156 (action not supported), never 18 (credentials required)', async () => {
    const io = elementsOf('ItemOperations');
    const answer = await client.command(
      'ItemOperations',
      io(
        'ItemOperations',
        io('EmptyFolderContents', el('AirSync', 'CollectionId', 'any')),
        io('Move', io('ConversationId', 'c1'), io('DstFldId', 'any')),
      ),
    );
    expect(childText(answer.body!, 'Status')).toBe('1');
    const response = child(answer.body!, 'Response')!;
    expect(childText(child(response, 'EmptyFolderContents')!, 'Status')).toBe('156');
    expect(childText(child(response, 'Move')!, 'Status')).toBe('156');
  });

  it('answers an unknown FileReference 6 (object not found) and a store other than Mailbox 9', async () => {
    const unknown = easRequests.itemFetch(el('AirSyncBase', 'FileReference', 'nowhere:1:1'));
    expect(childText(fetchOf((await client.command('ItemOperations', unknown)).body), 'Status')).toBe('6');
    const library = el(
      'ItemOperations',
      'ItemOperations',
      el('ItemOperations', 'Fetch', el('ItemOperations', 'Store', 'DocumentLibrary')),
    );
    expect(childText(fetchOf((await client.command('ItemOperations', library)).body), 'Status')).toBe('9');
  });

  it('fetches a message by the LongId a Search gives, and answers naming both ServerId and LongId 2', async () => {
    const byLongId = (...ids: WbxmlElement[]) =>
      el(
        'ItemOperations',
        'ItemOperations',
        el('ItemOperations', 'Fetch', el('ItemOperations', 'Store', 'Mailbox'), ...ids),
      );
    const found = fetchOf(
      (await client.command('ItemOperations', byLongId(el('Search', 'LongId', messageId)))).body,
    );
    expect(childText(found, 'Status')).toBe('1');
    expect(childText(found, 'LongId')).toBe(messageId);
    expect(childText(child(found, 'Properties')!, 'Subject')).toBe('attached');
    const unknown = fetchOf(
      (await client.command('ItemOperations', byLongId(el('Search', 'LongId', 'M-none')))).body,
    );
    expect(childText(unknown, 'Status')).toBe('6');
    const both = byLongId(el('AirSync', 'ServerId', messageId), el('Search', 'LongId', messageId));
    expect(childText(fetchOf((await client.command('ItemOperations', both)).body), 'Status')).toBe('2');
  });

  it('answers Status 8 for a range that starts past the end or is not a range', async () => {
    for (const range of ['5000-5100', '10-5', 'all'])
      expect(childText(fetchOf((await client.command('ItemOperations', ranged(range))).body), 'Status')).toBe(
        '8',
      );
  });

  it('sends the bytes as a part of a multipart answer to a device that accepts one', async () => {
    const answer = await client.command(
      'ItemOperations',
      easRequests.itemFetch(el('AirSyncBase', 'FileReference', reference)),
      { headers: { 'ms-asacceptmultipart': 'T' } },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(MULTIPART_CONTENT_TYPE);
    const [document, bytes, ...rest] = decodeMultipart(answer.bytes);
    expect(rest).toHaveLength(0);
    const properties = child(fetchOf(decodeWbxml(document!)), 'Properties')!;
    expect(childText(properties, 'Part')).toBe('1');
    expect(childText(properties, 'Data')).toBeUndefined();
    expect(bytes!.equals(data)).toBe(true);
  });
});
