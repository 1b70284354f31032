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
  el('AirSync', 'Sync', el('AirSync', 'Collections', el('AirSync', 'Collection', collection)), top);

describe(readSyncRequest.name, () => {
  it('reads collections, options, body preferences and client commands', () => {
    const request = readSyncRequest(
      syncRequest(
        [
          el('AirSync', 'SyncKey', '42'),
          el('AirSync', 'CollectionId', 'inbox'),
          el('AirSync', 'DeletesAsMoves'),
          el('AirSync', 'GetChanges', '0'),
          el('AirSync', 'WindowSize', '1000'),
          el(
            'AirSync',
            'Options',
            el('AirSync', 'FilterType', '3'),
            el(
              'AirSyncBase',
              'BodyPreference',
              el('AirSyncBase', 'Type', '2'),
              el('AirSyncBase', 'TruncationSize', '5120'),
            ),
            el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', '4')),
            el('AirSync', 'MIMESupport', '1'),
          ),
          el(
            'AirSync',
            'Commands',
            el(
              'AirSync',
              'Change',
              el('AirSync', 'ServerId', 'inbox:7'),
              el('AirSync', 'ApplicationData', el('Email', 'Read', '1')),
            ),
            el('AirSync', 'Delete', el('AirSync', 'ServerId', 'inbox:8')),
            el('AirSync', 'Fetch', el('AirSync', 'ServerId', 'inbox:9')),
          ),
        ],
        el('AirSync', 'HeartbeatInterval', '900'),
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
              applicationData: el('AirSync', 'ApplicationData', el('Email', 'Read', '1')),
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
    const collection = [el('AirSync', 'SyncKey', '1'), el('AirSync', 'CollectionId', 'inbox')];
    expect(rejection(() => readSyncRequest(syncRequest(collection, el('AirSync', 'Wait', '60'))))).toEqual({
      status: SYNC_STATUS.InvalidWaitOrHeartbeat,
      limit: 59,
    });
    expect(
      rejection(() => readSyncRequest(syncRequest(collection, el('AirSync', 'HeartbeatInterval', '30')))),
    ).toEqual({
      status: SYNC_STATUS.InvalidWaitOrHeartbeat,
      limit: 60,
    });
    expect(
      rejection(() =>
        readSyncRequest(
          syncRequest(collection, el('AirSync', 'Wait', '5'), el('AirSync', 'HeartbeatInterval', '300')),
        ),
      ),
    ).toEqual({ status: SYNC_STATUS.ProtocolError });
  });

  it('answers a malformed request with Status 4', () => {
    expect(rejection(() => readSyncRequest(syncRequest([el('AirSync', 'CollectionId', 'inbox')])))).toEqual({
      status: SYNC_STATUS.ProtocolError,
    });
    expect(rejection(() => readSyncRequest(el('Ping', 'Ping')))).toEqual({
      status: SYNC_STATUS.ProtocolError,
    });
    expect(
      rejection(() =>
        readSyncRequest(
          syncRequest([
            el('AirSync', 'SyncKey', '1'),
            el('AirSync', 'CollectionId', 'x'),
            el('AirSync', 'Commands', el('AirSync', 'Add', el('AirSync', 'ClientId', '1'))),
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
            { kind: 'add', serverId: 'inbox:10', applicationData: [el('Email', 'Subject', 'Hi')] },
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
    expect(
      readFolderSyncRequest(el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', '0'))),
    ).toEqual({
      syncKey: '0',
    });
    expect(rejection(() => readFolderSyncRequest(el('FolderHierarchy', 'FolderSync')))).toEqual({
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
    const initial = el(
      'Provision',
      'Provision',
      el(
        'Settings',
        'DeviceInformation',
        el('Settings', 'Set', el('Settings', 'Model', 'iPhone'), el('Settings', 'OS', 'iOS 18')),
      ),
      el('Provision', 'Policies', el('Provision', 'Policy', el('Provision', 'PolicyType', POLICY_TYPE))),
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
    expect(rejection(() => readProvisionRequest(el('Provision', 'Provision')))).toEqual({ status: 2 });
    const badKey = el(
      'Provision',
      'Provision',
      el(
        'Provision',
        'Policies',
        el(
          'Provision',
          'Policy',
          el('Provision', 'PolicyType', POLICY_TYPE),
          el('Provision', 'PolicyKey', 'x'),
        ),
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
      el(
        'Settings',
        'Settings',
        el(
          'Settings',
          'Oof',
          el(
            'Settings',
            'Set',
            el('Settings', 'OofState', '1'),
            el(
              'Settings',
              'OofMessage',
              el('Settings', 'AppliesToInternal'),
              el('Settings', 'Enabled', '1'),
              el('Settings', 'ReplyMessage', 'Away'),
              el('Settings', 'BodyType', 'Text'),
            ),
            el(
              'Settings',
              'OofMessage',
              el('Settings', 'AppliesToExternalUnknown'),
              el('Settings', 'Enabled', '0'),
            ),
          ),
        ),
        el('Settings', 'DeviceInformation', el('Settings', 'Set', el('Settings', 'EnableOutboundSMS', '0'))),
        el('Settings', 'UserInformation', el('Settings', 'Get')),
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
    expect(rejection(() => readSettingsRequest(el('Settings', 'Settings', el('Settings', 'Oof'))))).toEqual({
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
      easRequests.getItemEstimate('inbox', '5', el('AirSync', 'Options', el('AirSync', 'FilterType', '2'))),
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
      el(
        'ItemOperations',
        'ItemOperations',
        el(
          'ItemOperations',
          'Fetch',
          el('ItemOperations', 'Store', 'Mailbox'),
          el('AirSync', 'CollectionId', 'inbox'),
          el('AirSync', 'ServerId', 'inbox:3'),
          el(
            'ItemOperations',
            'Options',
            el('AirSync', 'MIMESupport', '2'),
            el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', '4')),
          ),
        ),
        el(
          'ItemOperations',
          'Fetch',
          el('ItemOperations', 'Store', 'Mailbox'),
          el('AirSyncBase', 'FileReference', 'inbox:3:1'),
        ),
        el(
          'ItemOperations',
          'Move',
          el('ItemOperations', 'ConversationId', new Uint8Array([1, 2, 3])),
          el('ItemOperations', 'DstFldId', 'archive'),
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
    const fetch = el(
      'ItemOperations',
      'Fetch',
      el('ItemOperations', 'Store', 'Mailbox'),
      el('AirSyncBase', 'FileReference', 'a'),
      el('ItemOperations', 'Options', el('ItemOperations', 'Range', '10-2')),
    );
    expect(rejection(() => readItemOperationsRequest(el('ItemOperations', 'ItemOperations', fetch)))).toEqual(
      { status: 8 },
    );
    expect(rejection(() => readItemOperationsRequest(el('ItemOperations', 'ItemOperations')))).toEqual({
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
            el('AirSync', 'Class', 'Email'),
            el('AirSync', 'CollectionId', 'inbox'),
            el('Search', 'FreeText', 'invoice'),
            el(
              'Search',
              'GreaterThan',
              el('Email', 'DateReceived'),
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
        el(
          'ComposeMail',
          'SendMail',
          el('ComposeMail', 'ClientId', 'c1'),
          el('ComposeMail', 'SaveInSentItems'),
          el('ComposeMail', 'Mime', mime),
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
      el(
        'ComposeMail',
        'SmartReply',
        el('ComposeMail', 'ClientId', 'c2'),
        el(
          'ComposeMail',
          'Source',
          el('ComposeMail', 'FolderId', 'inbox'),
          el('ComposeMail', 'ItemId', 'inbox:4'),
        ),
        el('ComposeMail', 'Mime', 'Subject: re\r\n\r\nok'),
      ),
    );
    expect(reply.source).toEqual({ folderId: 'inbox', itemId: 'inbox:4' });
    expect(reply.mime.toString()).toBe('Subject: re\r\n\r\nok');
  });

  it('answers a missing message with 107, an oversized one with 122, a stray Source with 103', () => {
    expect(
      rejection(() =>
        readComposeMailRequest(el('ComposeMail', 'SendMail', el('ComposeMail', 'ClientId', 'c'))),
      ),
    ).toEqual({
      status: COMMON_STATUS.InvalidMIME,
    });
    expect(
      rejection(() =>
        readComposeMailRequest(
          el('ComposeMail', 'SendMail', el('ComposeMail', 'ClientId', 'c'), el('ComposeMail', 'Mime', mime)),
          {
            maxMimeBytes: 4,
          },
        ),
      ),
    ).toEqual({ status: COMMON_STATUS.AttachmentIsTooLarge });
    expect(
      rejection(() =>
        readComposeMailRequest(
          el(
            'ComposeMail',
            'SendMail',
            el('ComposeMail', 'ClientId', 'c'),
            el('ComposeMail', 'Source', el('ComposeMail', 'LongId', 'x')),
            el('ComposeMail', 'Mime', mime),
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
