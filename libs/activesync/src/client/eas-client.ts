import { POLICY_TYPE } from '../commands/provision.js';
import { child, childText, decodeWbxml, el, encodeWbxml, type WbxmlElement } from '../wbxml/wbxml.js';

export const WBXML_CONTENT_TYPE = 'application/vnd.ms-sync.wbxml';

type Extra = WbxmlElement | false | undefined;

/** The message a SendMail, SmartReply or SmartForward carries; a part left out is not in the document. */
export interface ComposedMail {
  clientId?: string;
  saveInSentItems?: boolean;
  /** The whole RFC 5322 message. */
  mime?: string;
}

/** The message a SmartReply or SmartForward answers: by folder and item, or by LongId. */
export interface ComposeSource {
  folderId?: string;
  itemId?: string;
  longId?: string;
}

function composeMail(
  command: 'SendMail' | 'SmartReply' | 'SmartForward',
  { clientId, saveInSentItems, mime }: ComposedMail,
  source?: ComposeSource,
  forwardees?: readonly string[],
): WbxmlElement {
  const compose = (tag: string, ...content: Array<WbxmlElement | string>) =>
    el('ComposeMail', tag, ...content);
  const sourceIds: Array<[string, string | undefined]> = [
    ['FolderId', source?.folderId],
    ['ItemId', source?.itemId],
    ['LongId', source?.longId],
  ];
  return el(
    'ComposeMail',
    command,
    clientId !== undefined && compose('ClientId', clientId),
    source &&
      compose('Source', ...sourceIds.flatMap(([tag, id]) => (id === undefined ? [] : [compose(tag, id)]))),
    saveInSentItems === true && compose('SaveInSentItems'),
    forwardees &&
      compose(
        'Forwardees',
        ...forwardees.map((address) => compose('Forwardee', compose('ForwardeeEmail', address))),
      ),
    mime !== undefined && compose('Mime', mime),
  );
}

/** The documents a phone's mail app sends, as a client builds them. */
export const easRequests = {
  /** Provision without a key (phase one), or acknowledging the temporary key (phase two). */
  provision(policyKey?: string): WbxmlElement {
    const acknowledgement = policyKey !== undefined && [
      el('Provision', 'PolicyKey', policyKey),
      el('Provision', 'Status', '1'),
    ];
    const policy = el('Provision', 'Policy', el('Provision', 'PolicyType', POLICY_TYPE), acknowledgement);
    return el('Provision', 'Provision', el('Provision', 'Policies', policy));
  },

  /** The device's answer to a remote wipe: done (Status 1). */
  wipeConfirmation(): WbxmlElement {
    return el('Provision', 'Provision', el('Provision', 'RemoteWipe', el('Provision', 'Status', '1')));
  },

  folderSync(syncKey: string): WbxmlElement {
    return el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', syncKey));
  },

  /** A Sync of one collection; `extra` goes into the Collection after its key and id. */
  sync(collectionId: string, syncKey: string, ...extra: Extra[]): WbxmlElement {
    const key = el('AirSync', 'SyncKey', syncKey);
    const id = el('AirSync', 'CollectionId', collectionId);
    const collection = el('AirSync', 'Collection', key, id, ...extra);
    return el('AirSync', 'Sync', el('AirSync', 'Collections', collection));
  },

  /** A Sync Change of the item `serverId`: the new values of its ApplicationData (Read, Flag). */
  change(serverId: string, ...data: WbxmlElement[]): WbxmlElement {
    const id = el('AirSync', 'ServerId', serverId);
    return el('AirSync', 'Change', id, el('AirSync', 'ApplicationData', ...data));
  },

  /** Sync Options asking for bodies of `type` (1 plain text), cut at `truncationSize` when given. */
  bodyPreference(type: string, truncationSize?: number): WbxmlElement {
    return el(
      'AirSync',
      'Options',
      el(
        'AirSyncBase',
        'BodyPreference',
        el('AirSyncBase', 'Type', type),
        truncationSize !== undefined && el('AirSyncBase', 'TruncationSize', String(truncationSize)),
      ),
    );
  },

  /** A GetItemEstimate of one collection from `syncKey`; `options` go into the Collection. */
  getItemEstimate(collectionId: string, syncKey: string, ...options: Extra[]): WbxmlElement {
    const key = el('AirSync', 'SyncKey', syncKey);
    const id = el('GetItemEstimate', 'CollectionId', collectionId);
    const collection = el('GetItemEstimate', 'Collection', key, id, ...options);
    return el('GetItemEstimate', 'GetItemEstimate', el('GetItemEstimate', 'Collections', collection));
  },

  /** A Search of the mailbox for `freeText` in mail, first results `range` (e.g. `0-9`). */
  searchMailbox(freeText: string, range: string): WbxmlElement {
    const query = el(
      'Search',
      'Query',
      el('Search', 'And', el('AirSync', 'Class', 'Email'), el('Search', 'FreeText', freeText)),
    );
    const options = el('Search', 'Options', el('Search', 'Range', range));
    return el('Search', 'Search', el('Search', 'Store', el('Search', 'Name', 'Mailbox'), query, options));
  },

  /** Settings telling the device's information (`Model`, `OS`, ... in order); `more` goes after it. */
  deviceInformation(fields: ReadonlyArray<readonly [string, string]>, ...more: Extra[]): WbxmlElement {
    const set = el('Settings', 'Set', ...fields.map(([tag, value]) => el('Settings', tag, value)));
    return el('Settings', 'Settings', el('Settings', 'DeviceInformation', set), ...more);
  },

  /** An ItemOperations Fetch from the Mailbox store; `fetched` names what (FileReference, ServerId). */
  itemFetch(...fetched: Extra[]): WbxmlElement {
    const store = el('ItemOperations', 'Store', 'Mailbox');
    return el('ItemOperations', 'ItemOperations', el('ItemOperations', 'Fetch', store, ...fetched));
  },

  /** A SendMail of a new message. */
  sendMail(mail: ComposedMail): WbxmlElement {
    return composeMail('SendMail', mail);
  },

  /** A SmartReply to the message `source`: the server quotes the original. */
  smartReply(mail: ComposedMail & { source?: ComposeSource }): WbxmlElement {
    return composeMail('SmartReply', mail, mail.source);
  },

  /** A SmartForward of the message `source`, to `forwardees` as well as the message's own recipients. */
  smartForward(
    mail: ComposedMail & { source?: ComposeSource; forwardees?: readonly string[] },
  ): WbxmlElement {
    return composeMail('SmartForward', mail, mail.source, mail.forwardees);
  },

  /** A MoveItems of one message from the folder `from` to the folder `to`. */
  moveItem(messageId: string, from: string, to: string): WbxmlElement {
    const move = el(
      'Move',
      'Move',
      el('Move', 'SrcMsgId', messageId),
      el('Move', 'SrcFldId', from),
      el('Move', 'DstFldId', to),
    );
    return el('Move', 'MoveItems', move);
  },

  /** A FolderCreate of a folder named `displayName` of `type` (12: mail) under `parentId` ('0': the top). */
  folderCreate(
    syncKey: string,
    folder: { parentId: string; displayName: string; type: string },
  ): WbxmlElement {
    return el(
      'FolderHierarchy',
      'FolderCreate',
      el('FolderHierarchy', 'SyncKey', syncKey),
      el('FolderHierarchy', 'ParentId', folder.parentId),
      el('FolderHierarchy', 'DisplayName', folder.displayName),
      el('FolderHierarchy', 'Type', folder.type),
    );
  },

  /** A FolderUpdate that renames the folder `serverId` and puts it under `parentId`. */
  folderUpdate(
    syncKey: string,
    serverId: string,
    folder: { parentId: string; displayName: string },
  ): WbxmlElement {
    return el(
      'FolderHierarchy',
      'FolderUpdate',
      el('FolderHierarchy', 'SyncKey', syncKey),
      el('FolderHierarchy', 'ServerId', serverId),
      el('FolderHierarchy', 'ParentId', folder.parentId),
      el('FolderHierarchy', 'DisplayName', folder.displayName),
    );
  },

  /** A FolderDelete of the folder `serverId`, from the hierarchy's `syncKey`. */
  folderDelete(syncKey: string, serverId: string): WbxmlElement {
    return el(
      'FolderHierarchy',
      'FolderDelete',
      el('FolderHierarchy', 'SyncKey', syncKey),
      el('FolderHierarchy', 'ServerId', serverId),
    );
  },

  /** A MeetingResponse accepting (UserResponse 1) the meeting request `requestId`, in `collectionId` if named. */
  meetingResponse(requestId: string, collectionId?: string): WbxmlElement {
    return el(
      'MeetingResponse',
      'MeetingResponse',
      el(
        'MeetingResponse',
        'Request',
        el('MeetingResponse', 'UserResponse', '1'),
        collectionId !== undefined && el('MeetingResponse', 'CollectionId', collectionId),
        el('MeetingResponse', 'RequestId', requestId),
      ),
    );
  },

  /** A ValidateCert of `certificates` (base64 DER), with the intermediate and root `chain` they are checked against. */
  validateCert(certificates: readonly string[], chain: readonly string[]): WbxmlElement {
    const list = (tag: string, items: readonly string[]) =>
      el('ValidateCert', tag, ...items.map((item) => el('ValidateCert', 'Certificate', item)));
    return el(
      'ValidateCert',
      'ValidateCert',
      list('CertificateChain', chain),
      list('Certificates', certificates),
    );
  },

  /** An ItemOperations Fetch of the message `serverId` in `collectionId`, its body as `bodyType` (1 text, 4 MIME). */
  messageFetch(collectionId: string, serverId: string, bodyType: string): WbxmlElement {
    const bodyPreference = el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', bodyType));
    return easRequests.itemFetch(
      el('AirSync', 'CollectionId', collectionId),
      el('AirSync', 'ServerId', serverId),
      el('ItemOperations', 'Options', bodyPreference),
    );
  },

  /** A Ping on the mail folders `folderIds`. */
  ping(heartbeatSeconds: number, folderIds: readonly string[]): WbxmlElement {
    return el(
      'Ping',
      'Ping',
      el('Ping', 'HeartbeatInterval', String(heartbeatSeconds)),
      el(
        'Ping',
        'Folders',
        ...folderIds.map((id) => el('Ping', 'Folder', el('Ping', 'Id', id), el('Ping', 'Class', 'Email'))),
      ),
    );
  },
};

/** The one collection of a Sync answer, if it has one. */
export function syncCollectionOf(answer: WbxmlElement | undefined): WbxmlElement | undefined {
  const collections = answer && child(answer, 'Collections');
  return collections && child(collections, 'Collection');
}

/** The policy a Provision answer speaks of (its key, status and document). */
export function provisionPolicyOf(answer: WbxmlElement | undefined): WbxmlElement | undefined {
  const policies = answer && child(answer, 'Policies');
  return policies && child(policies, 'Policy');
}

export interface EasClientOptions {
  address: string;
  deviceId: string;
  /** Basic sign-in with the account's password; without it, `token` goes as a Bearer. */
  password?: string;
  token?: string;
  deviceType?: string;
  /** MS-ASProtocolVersion; 14.1 unless said. */
  version?: string;
  userAgent?: string;
}

export interface EasResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** The decoded answer; undefined when it is empty or not WBXML. */
  body: WbxmlElement | undefined;
}

/**
 * A phone's mail app as tests, the fault suite and the benchmark drive it: HTTP and WBXML only,
 * against the gateway's public endpoint, no code of the gateway. It keeps the policy key that
 * Provision gave it and sends it with every command.
 */
export class EasClient {
  policyKey: string | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly options: EasClientOptions,
  ) {}

  get authorization(): string {
    const { address, password, token } = this.options;
    return password !== undefined
      ? `Basic ${Buffer.from(`${address}:${password}`).toString('base64')}`
      : `Bearer ${token ?? ''}`;
  }

  /** One POST of `cmd`; whatever the gateway answers comes back, a network failure throws. */
  async command(
    cmd: string,
    body?: WbxmlElement | Uint8Array,
    extra: { signal?: AbortSignal; headers?: Record<string, string>; query?: Record<string, string> } = {},
  ): Promise<EasResponse> {
    const query = new URLSearchParams({
      Cmd: cmd,
      User: this.options.address,
      DeviceId: this.options.deviceId,
      DeviceType: this.options.deviceType ?? 'iPhone',
      ...extra.query,
    });
    const bytes = body instanceof Uint8Array ? body : body && new Uint8Array(encodeWbxml(body));
    const response = await fetch(`${this.baseUrl}/Microsoft-Server-ActiveSync?${query}`, {
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': WBXML_CONTENT_TYPE,
        'ms-asprotocolversion': this.options.version ?? '14.1',
        'user-agent': this.options.userAgent ?? 'TestPhone/1.0',
        ...(this.policyKey ? { 'x-ms-policykey': this.policyKey } : {}),
        ...extra.headers,
      },
      ...(bytes ? { body: bytes } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    });
    const answer = Buffer.from(await response.arrayBuffer());
    const isWbxml = response.headers.get('content-type') === WBXML_CONTENT_TYPE;
    return {
      status: response.status,
      headers: response.headers,
      bytes: answer,
      body: isWbxml && answer.length > 0 ? decodeWbxml(answer) : undefined,
    };
  }

  /** Both phases of Provision; the client keeps the final key. */
  async provision(): Promise<{ first: EasResponse; second: EasResponse }> {
    const first = await this.command('Provision', easRequests.provision());
    const offered = provisionPolicyOf(first.body);
    const temporary = offered && childText(offered, 'PolicyKey');
    if (temporary === undefined) throw new Error(`Provision answered no key (HTTP ${first.status})`);
    const second = await this.command('Provision', easRequests.provision(temporary));
    const acknowledged = provisionPolicyOf(second.body);
    this.policyKey = acknowledged && childText(acknowledged, 'PolicyKey');
    return { first, second };
  }

  folderSync(syncKey = '0', extra?: { signal?: AbortSignal }): Promise<EasResponse> {
    return this.command('FolderSync', easRequests.folderSync(syncKey), extra);
  }

  sync(collectionId: string, syncKey: string, ...extra: Extra[]): Promise<EasResponse> {
    return this.command('Sync', easRequests.sync(collectionId, syncKey, ...extra));
  }

  ping(heartbeatSeconds: number, folderIds: readonly string[], signal?: AbortSignal): Promise<EasResponse> {
    return this.command('Ping', easRequests.ping(heartbeatSeconds, folderIds), signal ? { signal } : {});
  }
}
