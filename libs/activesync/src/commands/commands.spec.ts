import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { easRequests } from '../client/eas-client.js';
import { allTags, decodeWbxml, el, encodeWbxml, type WbxmlElement, type WbxmlNode } from '../wbxml/wbxml.js';
import { ActiveSyncCommandError, COMMON_STATUS } from './common.js';
import { buildComposeMailStatus, readComposeMailRequest } from './compose-mail.js';
import { buildFolderSyncResponse, FOLDER_TYPE, readFolderSyncRequest } from './folder-sync.js';
import { buildGetItemEstimateResponse, readGetItemEstimateRequest } from './get-item-estimate.js';
import {
  attachmentProperties,
  buildItemOperationsResponse,
  readItemOperationsRequest,
} from './item-operations.js';
import { buildMoveItemsResponse, readMoveItemsRequest } from './move-items.js';
import { buildPingResponse, PING_STATUS, readPingRequest } from './ping.js';
import { buildProvisionResponse, POLICY_TYPE, readProvisionRequest } from './provision.js';
import { buildSearchResponse, readSearchRequest } from './search.js';
import { buildSettingsResponse, readSettingsRequest } from './settings.js';
import { buildSyncResponse, readSyncRequest, SYNC_STATUS } from './sync.js';
import {
  airSync,
  airSyncBase,
  composeMail,
  email,
  folderHierarchy,
  itemOperations,
  provision,
  settings,
} from '../testing/elements.js';

/** The Status (and limit) a reader rejects a request with. */
function rejection(read: () => unknown): { status: number; limit?: number } {
  try {
    read();
  } catch (error) {
    if (error instanceof ActiveSyncCommandError) {
      return error.limit === undefined
        ? { status: error.status }
        : { status: error.status, limit: error.limit };
    }
    throw error;
  }
  throw new Error('the request was accepted');
}

/** What a response becomes on the wire and back: builders must only produce encodable trees. */
const wire = (e: WbxmlElement) => decodeWbxml(encodeWbxml(e));

/** A compact text form of a tree for asserting element order. */
function outline(e: WbxmlNode): string {
  if (typeof e === 'string') return JSON.stringify(e);
  if (e instanceof Uint8Array) return `<${e.length} bytes>`;
  return `${e.tag}(${e.children.map(outline).join(',')})`;
}

const syncRequest = (collection: WbxmlNode[], ...top: WbxmlNode[]) =>
  airSync('Sync', airSync('Collections', airSync('Collection', collection)), top);

describe(readSyncRequest.name, () => {
  it('reads collections, options, body preferences and client commands', () => {
    const request = readSyncRequest(
      syncRequest(
        [
          airSync('SyncKey', '42'),
          airSync('CollectionId', 'inbox'),
          airSync('DeletesAsMoves'),
          airSync('GetChanges', '0'),
          airSync('WindowSize', '1000'),
          airSync(
            'Options',
            airSync('FilterType', '3'),
            airSyncBase('BodyPreference', airSyncBase('Type', '2'), airSyncBase('TruncationSize', '5120')),
            airSyncBase('BodyPreference', airSyncBase('Type', '4')),
            airSync('MIMESupport', '1'),
          ),
          airSync(
            'Commands',
            airSync('Change', airSync('ServerId', 'inbox:7'), airSync('ApplicationData', email('Read', '1'))),
            airSync('Delete', airSync('ServerId', 'inbox:8')),
            airSync('Fetch', airSync('ServerId', 'inbox:9')),
          ),
        ],
        airSync('HeartbeatInterval', '900'),
      ),
    );
    expect(request).toEqual({
      collections: [
        {
          syncKey: '42',
          collectionId: 'inbox',
          deletesAsMoves: true,
          getChanges: false,
          windowSize: 512,
          options: [
            {
              filterType: 3,
              mimeSupport: 1,
              bodyPreferences: [{ type: 2, truncationSize: 5120 }, { type: 4 }],
              bodyPartPreferences: [],
            },
          ],
          commands: [
            {
              kind: 'change',
              serverId: 'inbox:7',
              applicationData: airSync('ApplicationData', email('Read', '1')),
            },
            { kind: 'delete', serverId: 'inbox:8' },
            { kind: 'fetch', serverId: 'inbox:9' },
          ],
        },
      ],
      heartbeatInterval: 900,
      partial: false,
    });
  });

  it('answers a Wait or HeartbeatInterval out of range with Status 14 and the limit', () => {
    const collection = [airSync('SyncKey', '1'), airSync('CollectionId', 'inbox')];
    expect(rejection(() => readSyncRequest(syncRequest(collection, airSync('Wait', '60'))))).toEqual({
      status: SYNC_STATUS.InvalidWaitOrHeartbeat,
      limit: 59,
    });
    expect(
      rejection(() => readSyncRequest(syncRequest(collection, airSync('HeartbeatInterval', '30')))),
    ).toEqual({
      status: SYNC_STATUS.InvalidWaitOrHeartbeat,
      limit: 60,
    });
    expect(
      rejection(() =>
        readSyncRequest(syncRequest(collection, airSync('Wait', '5'), airSync('HeartbeatInterval', '300'))),
      ),
    ).toEqual({ status: SYNC_STATUS.ProtocolError });
  });

  it('answers a malformed request with Status 4', () => {
    expect(rejection(() => readSyncRequest(syncRequest([airSync('CollectionId', 'inbox')])))).toEqual({
      status: SYNC_STATUS.ProtocolError,
    });
    expect(rejection(() => readSyncRequest(el('Ping', 'Ping')))).toEqual({
      status: SYNC_STATUS.ProtocolError,
    });
    expect(
      rejection(() =>
        readSyncRequest(
          syncRequest([
            airSync('SyncKey', '1'),
            airSync('CollectionId', 'x'),
            airSync('Commands', airSync('Add', airSync('ClientId', '1'))),
          ]),
        ),
      ),
    ).toEqual({ status: SYNC_STATUS.ProtocolError });
  });
});

describe(buildSyncResponse.name, () => {
  it('writes a collection in the order of the specification', () => {
    const response = buildSyncResponse({
      collections: [
        {
          syncKey: '43',
          collectionId: 'inbox',
          status: 1,
          moreAvailable: true,
          commands: [
            { kind: 'add', serverId: 'inbox:10', applicationData: [email('Subject', 'Hi')] },
            { kind: 'softDelete', serverId: 'inbox:1' },
          ],
          responses: [{ kind: 'change', serverId: 'inbox:7', status: 1 }],
        },
      ],
    });
    expect(outline(wire(response))).toBe(
      'Sync(Collections(Collection(SyncKey("43"),CollectionId("inbox"),Status("1"),MoreAvailable(),' +
        'Commands(Add(ServerId("inbox:10"),ApplicationData(Subject("Hi"))),SoftDelete(ServerId("inbox:1"))),' +
        'Responses(Change(ServerId("inbox:7"),Status("1"))))))',
    );
    expect(outline(buildSyncResponse({ status: 14, limit: 59 }))).toBe('Sync(Status("14"),Limit("59"))');
  });
});

describe(readFolderSyncRequest.name, () => {
  it('reads the sync key and answers a missing one with Status 10', () => {
    expect(readFolderSyncRequest(folderHierarchy('FolderSync', folderHierarchy('SyncKey', '0')))).toEqual({
      syncKey: '0',
    });
    expect(rejection(() => readFolderSyncRequest(folderHierarchy('FolderSync')))).toEqual({
      status: 10,
    });
  });

  it('builds the hierarchy with its count', () => {
    const response = buildFolderSyncResponse({
      status: 1,
      syncKey: '1',
      changes: {
        add: [{ serverId: 'inbox', parentId: '0', displayName: 'Inbox', type: FOLDER_TYPE.Inbox }],
        delete: ['old'],
      },
    });
    expect(outline(wire(response))).toBe(
      'FolderSync(Status("1"),SyncKey("1"),Changes(Count("2"),Delete(ServerId("old")),' +
        'Add(ServerId("inbox"),ParentId("0"),DisplayName("Inbox"),Type("2"))))',
    );
  });
});

describe(readPingRequest.name, () => {
  const ping = (...children: WbxmlNode[]) => el('Ping', 'Ping', children);
  const folder = (id: string, className = 'Email') =>
    el('Ping', 'Folder', el('Ping', 'Id', id), el('Ping', 'Class', className));

  it('reads the interval and folders, and accepts an empty Ping', () => {
    expect(
      readPingRequest(
        ping(
          el('Ping', 'HeartbeatInterval', '480'),
          el('Ping', 'Folders', folder('inbox'), folder('cal', 'Calendar')),
        ),
      ),
    ).toEqual({
      heartbeatInterval: 480,
      folders: [
        { id: 'inbox', className: 'Email' },
        { id: 'cal', className: 'Calendar' },
      ],
    });
    expect(readPingRequest(ping())).toEqual({});
  });

  it('answers an interval out of range with Status 5 and too many folders with Status 6', () => {
    expect(rejection(() => readPingRequest(ping(el('Ping', 'HeartbeatInterval', '10'))))).toEqual({
      status: PING_STATUS.InvalidHeartbeatInterval,
      limit: 60,
    });
    const many = Array.from({ length: 4 }, (_, i) => folder(`f${i}`));
    expect(
      rejection(() =>
        readPingRequest(ping(el('Ping', 'Folders', many)), {
          minHeartbeatSeconds: 60,
          maxHeartbeatSeconds: 3540,
          maxFolders: 3,
        }),
      ),
    ).toEqual({ status: PING_STATUS.TooManyFolders, limit: 3 });
    expect(rejection(() => readPingRequest(ping(el('Ping', 'Folders', folder('x', 'Junk')))))).toEqual({
      status: PING_STATUS.ProtocolError,
    });
  });

  it('builds the changed folders', () => {
    expect(outline(wire(buildPingResponse({ status: 2, folders: ['inbox'] })))).toBe(
      'Ping(Status("2"),Folders(Folder("inbox")))',
    );
  });
});

describe(readProvisionRequest.name, () => {
  it('reads the initial request with device information, and the acknowledgement', () => {
    const initial = provision(
      'Provision',
      settings('DeviceInformation', settings('Set', settings('Model', 'iPhone'), settings('OS', 'iOS 18'))),
      provision('Policies', provision('Policy', provision('PolicyType', POLICY_TYPE))),
    );
    expect(readProvisionRequest(initial)).toEqual({
      deviceInformation: { model: 'iPhone', os: 'iOS 18' },
      policy: { policyType: POLICY_TYPE },
    });
    const ack = easRequests.provision('3942919513');
    expect(readProvisionRequest(ack).policy).toEqual({
      policyType: POLICY_TYPE,
      policyKey: '3942919513',
      status: 1,
    });
    expect(readProvisionRequest(easRequests.wipeConfirmation())).toEqual({
      remoteWipeStatus: 1,
    });
  });

  it('answers a malformed request with Status 2', () => {
    expect(rejection(() => readProvisionRequest(provision('Provision')))).toEqual({ status: 2 });
    const badKey = provision(
      'Provision',
      provision(
        'Policies',
        provision('Policy', provision('PolicyType', POLICY_TYPE), provision('PolicyKey', 'x')),
      ),
    );
    expect(rejection(() => readProvisionRequest(badKey))).toEqual({ status: 2 });
  });

  it('builds the policy document in schema order, booleans as 1/0, empty values as empty elements', () => {
    const response = buildProvisionResponse({
      status: 1,
      deviceInformationStatus: 1,
      policy: {
        policyType: POLICY_TYPE,
        status: 1,
        policyKey: '1307199584',
        data: {
          settings: {
            MaxAttachmentSize: '',
            DevicePasswordEnabled: true,
            MinDevicePasswordLength: 6,
            AllowCamera: false,
          },
          approvedApplications: [],
        },
      },
    });
    expect(outline(wire(response))).toBe(
      'Provision(DeviceInformation(Status("1")),Status("1"),Policies(Policy(PolicyType("MS-EAS-Provisioning-WBXML"),' +
        'Status("1"),PolicyKey("1307199584"),Data(EASProvisionDoc(DevicePasswordEnabled("1"),' +
        'MinDevicePasswordLength("6"),MaxAttachmentSize(),AllowCamera("0"),ApprovedApplicationList())))))',
    );
    expect(outline(buildProvisionResponse({ status: 1, remoteWipe: true }))).toBe(
      'Provision(Status("1"),RemoteWipe())',
    );
  });
});

describe(readSettingsRequest.name, () => {
  it('reads device information, out-of-office settings and a user information request', () => {
    const request = readSettingsRequest(
      settings(
        'Settings',
        settings(
          'Oof',
          settings(
            'Set',
            settings('OofState', '1'),
            settings(
              'OofMessage',
              settings('AppliesToInternal'),
              settings('Enabled', '1'),
              settings('ReplyMessage', 'Away'),
              settings('BodyType', 'Text'),
            ),
            settings('OofMessage', settings('AppliesToExternalUnknown'), settings('Enabled', '0')),
          ),
        ),
        settings('DeviceInformation', settings('Set', settings('EnableOutboundSMS', '0'))),
        settings('UserInformation', settings('Get')),
      ),
    );
    expect(request).toEqual({
      oof: {
        set: {
          state: 1,
          messages: [
            { audience: 'internal', enabled: true, replyMessage: 'Away', bodyType: 'Text' },
            { audience: 'externalUnknown', enabled: false },
          ],
        },
      },
      deviceInformation: { enableOutboundSms: false },
      userInformation: true,
    });
    expect(rejection(() => readSettingsRequest(settings('Settings', settings('Oof'))))).toEqual({
      status: 2,
    });
  });

  it('answers user information as addresses in 14.0 and as an account from 14.1', () => {
    const response = {
      status: 1,
      userInformation: {
        status: 1,
        displayName: 'Ann',
        primarySmtpAddress: 'ann@example.com',
        smtpAddresses: ['ann@example.com'],
      },
    };
    expect(outline(wire(buildSettingsResponse(response, '14.0')))).toBe(
      'Settings(Status("1"),UserInformation(Status("1"),Get(EmailAddresses(SMTPAddress("ann@example.com")))))',
    );
    expect(outline(wire(buildSettingsResponse(response, '16.1')))).toBe(
      'Settings(Status("1"),UserInformation(Status("1"),Get(Accounts(Account(UserDisplayName("Ann"),' +
        'EmailAddresses(SMTPAddress("ann@example.com"),PrimarySmtpAddress("ann@example.com")))))))',
    );
  });
});

describe(readGetItemEstimateRequest.name, () => {
  it('reads collections with the AirSync sync key and options, and builds estimates', () => {
    const request = readGetItemEstimateRequest(
      easRequests.getItemEstimate('inbox', '5', airSync('Options', airSync('FilterType', '2'))),
    );
    expect(request).toEqual({ collections: [{ syncKey: '5', collectionId: 'inbox', filterType: 2 }] });
    expect(rejection(() => readGetItemEstimateRequest(el('GetItemEstimate', 'GetItemEstimate')))).toEqual({
      status: 2,
    });
    expect(
      outline(
        wire(
          buildGetItemEstimateResponse({ responses: [{ status: 1, collectionId: 'inbox', estimate: 3 }] }),
        ),
      ),
    ).toBe('GetItemEstimate(Response(Status("1"),Collection(CollectionId("inbox"),Estimate("3"))))');
  });
});

describe(readItemOperationsRequest.name, () => {
  it('reads fetches of items and attachments, and conversation moves', () => {
    const request = readItemOperationsRequest(
      itemOperations(
        'ItemOperations',
        itemOperations(
          'Fetch',
          itemOperations('Store', 'Mailbox'),
          airSync('CollectionId', 'inbox'),
          airSync('ServerId', 'inbox:3'),
          itemOperations(
            'Options',
            airSync('MIMESupport', '2'),
            airSyncBase('BodyPreference', airSyncBase('Type', '4')),
          ),
        ),
        itemOperations(
          'Fetch',
          itemOperations('Store', 'Mailbox'),
          airSyncBase('FileReference', 'inbox:3:1'),
        ),
        itemOperations(
          'Move',
          itemOperations('ConversationId', new Uint8Array([1, 2, 3])),
          itemOperations('DstFldId', 'archive'),
        ),
      ),
    );
    expect(request.operations).toEqual([
      {
        kind: 'fetch',
        store: 'Mailbox',
        collectionId: 'inbox',
        serverId: 'inbox:3',
        mimeSupport: 2,
        bodyPreferences: [{ type: 4 }],
        bodyPartPreferences: [],
      },
      {
        kind: 'fetch',
        store: 'Mailbox',
        fileReference: 'inbox:3:1',
        bodyPreferences: [],
        bodyPartPreferences: [],
      },
      { kind: 'move', conversationId: Buffer.from([1, 2, 3]), dstFldId: 'archive', moveAlways: false },
    ]);
  });

  it('answers a bad byte range with Status 8 and an empty request with Status 2', () => {
    const fetch = itemOperations(
      'Fetch',
      itemOperations('Store', 'Mailbox'),
      airSyncBase('FileReference', 'a'),
      itemOperations('Options', itemOperations('Range', '10-2')),
    );
    expect(rejection(() => readItemOperationsRequest(itemOperations('ItemOperations', fetch)))).toEqual({
      status: 8,
    });
    expect(rejection(() => readItemOperationsRequest(itemOperations('ItemOperations')))).toEqual({
      status: 2,
    });
  });

  it('builds a fetched attachment with its content in base64', () => {
    const response = buildItemOperationsResponse({
      status: 1,
      results: [
        {
          kind: 'fetch',
          status: 1,
          fileReference: 'inbox:3:1',
          properties: attachmentProperties({ contentType: 'text/plain', data: Buffer.from('hello') }),
        },
      ],
    });
    expect(outline(wire(response))).toBe(
      'ItemOperations(Status("1"),Response(Fetch(Status("1"),FileReference("inbox:3:1"),' +
        'Properties(ContentType("text/plain"),Data("aGVsbG8=")))))',
    );
  });
});

describe(readMoveItemsRequest.name, () => {
  it('reads moves, builds results, and answers an empty request with InvalidXML', () => {
    const move = el(
      'Move',
      'Move',
      el('Move', 'SrcMsgId', 'inbox:1'),
      el('Move', 'SrcFldId', 'inbox'),
      el('Move', 'DstFldId', 'trash'),
    );
    expect(readMoveItemsRequest(el('Move', 'MoveItems', move))).toEqual({
      moves: [{ srcMsgId: 'inbox:1', srcFldId: 'inbox', dstFldId: 'trash' }],
    });
    expect(rejection(() => readMoveItemsRequest(el('Move', 'MoveItems')))).toEqual({
      status: COMMON_STATUS.InvalidXML,
    });
    expect(
      outline(
        wire(
          buildMoveItemsResponse({ responses: [{ srcMsgId: 'inbox:1', status: 3, dstMsgId: 'trash:1' }] }),
        ),
      ),
    ).toBe('MoveItems(Response(SrcMsgId("inbox:1"),Status("3"),DstMsgId("trash:1")))');
    // A common value for the whole command (a quarantined device) stands in the MoveItems element.
    expect(outline(wire(buildMoveItemsResponse({ status: COMMON_STATUS.AccessDenied, responses: [] })))).toBe(
      'MoveItems(Status("130"))',
    );
  });
});

describe(readSearchRequest.name, () => {
  it('reads a GAL search and a mailbox search', () => {
    const gal = el(
      'Search',
      'Search',
      el(
        'Search',
        'Store',
        el('Search', 'Name', 'GAL'),
        el('Search', 'Query', 'ann'),
        el('Search', 'Options', el('Search', 'Range', '0-9')),
      ),
    );
    expect(readSearchRequest(gal)).toEqual({
      store: 'GAL',
      galQuery: 'ann',
      range: [0, 9],
      deepTraversal: false,
      rebuildResults: false,
      bodyPreferences: [],
    });
    const mailbox = el(
      'Search',
      'Search',
      el(
        'Search',
        'Store',
        el('Search', 'Name', 'Mailbox'),
        el(
          'Search',
          'Query',
          el(
            'Search',
            'And',
            airSync('Class', 'Email'),
            airSync('CollectionId', 'inbox'),
            el('Search', 'FreeText', 'invoice'),
            el(
              'Search',
              'GreaterThan',
              email('DateReceived'),
              el('Search', 'Value', '2026-01-01T00:00:00.000Z'),
            ),
          ),
        ),
        el('Search', 'Options', el('Search', 'DeepTraversal')),
      ),
    );
    expect(readSearchRequest(mailbox).mailboxQuery).toEqual({
      classes: ['Email'],
      collectionIds: ['inbox'],
      freeText: 'invoice',
      receivedAfter: '2026-01-01T00:00:00.000Z',
    });
  });

  it('answers an unknown store or an over-wide range with Status 2, and builds an empty result', () => {
    const search = (name: string, range = '0-9') =>
      el(
        'Search',
        'Search',
        el(
          'Search',
          'Store',
          el('Search', 'Name', name),
          el('Search', 'Query', 'x'),
          el('Search', 'Options', el('Search', 'Range', range)),
        ),
      );
    expect(rejection(() => readSearchRequest(search('Files')))).toEqual({ status: 2 });
    expect(rejection(() => readSearchRequest(search('GAL', '0-5000')))).toEqual({ status: 2 });
    expect(
      outline(wire(buildSearchResponse({ status: 1, store: { status: 1, results: [], total: 0 } }))),
    ).toBe('Search(Status("1"),Response(Store(Status("1"),Result(),Total("0"))))');
  });
});

describe(readComposeMailRequest.name, () => {
  const mime = new Uint8Array(Buffer.from('Subject: hi\r\n\r\nbody'));

  it('reads SendMail with opaque MIME and SmartReply with its source', () => {
    expect(
      readComposeMailRequest(
        composeMail(
          'SendMail',
          composeMail('ClientId', 'c1'),
          composeMail('SaveInSentItems'),
          composeMail('Mime', mime),
        ),
      ),
    ).toEqual({
      command: 'SendMail',
      clientId: 'c1',
      saveInSentItems: true,
      replaceMime: false,
      mime: Buffer.from(mime),
      forwardees: [],
    });
    const reply = readComposeMailRequest(
      composeMail(
        'SmartReply',
        composeMail('ClientId', 'c2'),
        composeMail('Source', composeMail('FolderId', 'inbox'), composeMail('ItemId', 'inbox:4')),
        composeMail('Mime', 'Subject: re\r\n\r\nok'),
      ),
    );
    expect(reply.source).toEqual({ folderId: 'inbox', itemId: 'inbox:4' });
    expect(reply.mime.toString()).toBe('Subject: re\r\n\r\nok');
  });

  it('answers a missing message with 107, an oversized one with 122, a stray Source with 103', () => {
    expect(
      rejection(() => readComposeMailRequest(composeMail('SendMail', composeMail('ClientId', 'c')))),
    ).toEqual({
      status: COMMON_STATUS.InvalidMIME,
    });
    expect(
      rejection(() =>
        readComposeMailRequest(
          composeMail('SendMail', composeMail('ClientId', 'c'), composeMail('Mime', mime)),
          {
            maxMimeBytes: 4,
          },
        ),
      ),
    ).toEqual({ status: COMMON_STATUS.AttachmentIsTooLarge });
    expect(
      rejection(() =>
        readComposeMailRequest(
          composeMail(
            'SendMail',
            composeMail('ClientId', 'c'),
            composeMail('Source', composeMail('LongId', 'x')),
            composeMail('Mime', mime),
          ),
        ),
      ),
    ).toEqual({ status: COMMON_STATUS.InvalidXML });
    expect(outline(wire(buildComposeMailStatus('SmartForward', 118)))).toBe('SmartForward(Status("118"))');
  });
});

describe(ActiveSyncCommandError.name, () => {
  const TAGS = allTags();
  const tree: fc.Arbitrary<WbxmlElement> = fc.letrec<{ element: WbxmlElement; node: WbxmlNode }>((tie) => ({
    element: fc
      .record({ tag: fc.constantFrom(...TAGS), children: fc.array(tie('node'), { maxLength: 5 }) })
      .map(({ tag, children }) => ({ page: tag.page, tag: tag.tag, children })),
    node: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 8 }),
      tie('element'),
    ),
  })).element;
  const readers: Array<[string, (root: WbxmlElement) => unknown, WbxmlElement]> = [
    ['Sync', readSyncRequest, el('AirSync', 'Sync')],
    ['FolderSync', readFolderSyncRequest, el('FolderHierarchy', 'FolderSync')],
    ['Ping', (root) => readPingRequest(root), el('Ping', 'Ping')],
    ['Provision', readProvisionRequest, el('Provision', 'Provision')],
    ['Settings', readSettingsRequest, el('Settings', 'Settings')],
    ['GetItemEstimate', readGetItemEstimateRequest, el('GetItemEstimate', 'GetItemEstimate')],
    ['ItemOperations', readItemOperationsRequest, el('ItemOperations', 'ItemOperations')],
    ['MoveItems', readMoveItemsRequest, el('Move', 'MoveItems')],
    ['Search', readSearchRequest, el('Search', 'Search')],
    ['SendMail', (root) => readComposeMailRequest(root), el('ComposeMail', 'SendMail')],
  ];

  it('is the only exception a command reader throws, whatever tree it is given', () => {
    for (const [, read, root] of readers) {
      fc.assert(
        fc.property(fc.array(tree, { maxLength: 6 }), (content) => {
          try {
            read({ ...root, children: content });
          } catch (error) {
            expect(error).toBeInstanceOf(ActiveSyncCommandError);
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});
