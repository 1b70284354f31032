import type { WbxmlElement } from '../wbxml/wbxml.js';
import {
  airSync,
  airSyncBase,
  composeMail,
  email,
  email2,
  folderHierarchy,
  itemOperations,
  ping,
  provision,
  settings,
} from './elements.js';

/** A phone asking for one message's whole MIME and one attachment. */
export const ITEM_FETCH_REQUEST = itemOperations(
  'ItemOperations',
  itemOperations(
    'Fetch',
    itemOperations('Store', 'Mailbox'),
    airSync('CollectionId', 'inbox'),
    airSync('ServerId', 'inbox:18'),
    itemOperations(
      'Options',
      airSync('MIMESupport', '2'),
      airSyncBase('BodyPreference', airSyncBase('Type', '4')),
    ),
  ),
  itemOperations('Fetch', itemOperations('Store', 'Mailbox'), airSyncBase('FileReference', 'inbox:18:2')),
);

/**
 * Documents as phones and servers exchange them, one per command the gateway speaks most, with
 * text beyond ASCII, markup in text, empty elements and opaque content.
 */
export const SAMPLE_DOCUMENTS: Record<string, WbxmlElement> = {
  'FolderSync response': folderHierarchy(
    'FolderSync',
    folderHierarchy('Status', '1'),
    folderHierarchy('SyncKey', '1'),
    folderHierarchy(
      'Changes',
      folderHierarchy('Count', '2'),
      folderHierarchy(
        'Add',
        folderHierarchy('ServerId', 'inbox'),
        folderHierarchy('ParentId', '0'),
        folderHierarchy('DisplayName', 'Inbox'),
        folderHierarchy('Type', '2'),
      ),
      folderHierarchy(
        'Add',
        folderHierarchy('ServerId', 'f:42'),
        folderHierarchy('ParentId', 'inbox'),
        folderHierarchy('DisplayName', 'Reçus & “archives” 📦'),
        folderHierarchy('Type', '12'),
      ),
    ),
  ),
  'Sync request': airSync(
    'Sync',
    airSync(
      'Collections',
      airSync(
        'Collection',
        airSync('SyncKey', '1423904'),
        airSync('CollectionId', 'inbox'),
        airSync('DeletesAsMoves', '1'),
        airSync('GetChanges'),
        airSync('WindowSize', '25'),
        airSync(
          'Options',
          airSync('FilterType', '3'),
          airSyncBase('BodyPreference', airSyncBase('Type', '2'), airSyncBase('TruncationSize', '32768')),
          airSync('MIMESupport', '0'),
        ),
        airSync('Commands', airSync('Fetch', airSync('ServerId', 'inbox:17'))),
      ),
    ),
    airSync('WindowSize', '50'),
  ),
  'Sync response with a new mail': airSync(
    'Sync',
    airSync(
      'Collections',
      airSync(
        'Collection',
        airSync('SyncKey', '1423905'),
        airSync('CollectionId', 'inbox'),
        airSync('Status', '1'),
        airSync(
          'Commands',
          airSync(
            'Add',
            airSync('ServerId', 'inbox:18'),
            airSync(
              'ApplicationData',
              email('To', '"Bob" <bob@example.com>'),
              email('From', '"Ålice" <alice@example.org>'),
              email('Subject', 'Quarterly numbers – 第3四半期'),
              email('DateReceived', '2026-12-05T12:00:00.000Z'),
              email('Importance', '1'),
              email('Read', '0'),
              airSyncBase(
                'Body',
                airSyncBase('Type', '2'),
                airSyncBase('EstimatedDataSize', '1234'),
                airSyncBase('Truncated', '0'),
                airSyncBase('Data', '<html><body><p>Hi &amp; bye</p>\r\n</body></html>'),
              ),
              email('MessageClass', 'IPM.Note'),
              email('InternetCPID', '65001'),
              email('Flag', email('Status', '2'), email('FlagType', 'Flag for follow up')),
              email('ContentClass', 'urn:content-classes:message'),
              airSyncBase('NativeBodyType', '2'),
              email2('ConversationId', new Uint8Array([0x1f, 0x00, 0xa5, 0xff, 0x10])),
              email2('ConversationIndex', new Uint8Array([0xd1, 0x2c, 0x00, 0x01, 0x02])),
            ),
          ),
        ),
      ),
    ),
  ),
  'Ping request': ping(
    'Ping',
    ping('HeartbeatInterval', '900'),
    ping(
      'Folders',
      ping('Folder', ping('Id', 'inbox'), ping('Class', 'Email')),
      ping('Folder', ping('Id', 'calendar'), ping('Class', 'Calendar')),
    ),
  ),
  'Provision response': provision(
    'Provision',
    provision('Status', '1'),
    provision(
      'Policies',
      provision(
        'Policy',
        provision('PolicyType', 'MS-EAS-Provisioning-WBXML'),
        provision('Status', '1'),
        provision('PolicyKey', '3942919513'),
        provision(
          'Data',
          provision(
            'EASProvisionDoc',
            provision('DevicePasswordEnabled', '1'),
            provision('AlphanumericDevicePasswordRequired', '0'),
            provision('MinDevicePasswordLength', '6'),
            provision('MaxInactivityTimeDeviceLock', '300'),
            provision('MaxDevicePasswordFailedAttempts', '10'),
            provision('AllowSimpleDevicePassword', '0'),
            provision('RequireDeviceEncryption', '1'),
            provision('AllowCamera', '1'),
            provision('MaxEmailAgeFilter', '0'),
            provision('UnapprovedInROMApplicationList'),
            provision('ApprovedApplicationList'),
          ),
        ),
      ),
    ),
  ),
  'ItemOperations Fetch request': ITEM_FETCH_REQUEST,
  'ItemOperations Fetch response': itemOperations(
    'ItemOperations',
    itemOperations('Status', '1'),
    itemOperations(
      'Response',
      itemOperations(
        'Fetch',
        itemOperations('Status', '1'),
        airSyncBase('FileReference', 'inbox:18:2'),
        itemOperations(
          'Properties',
          airSyncBase('ContentType', 'image/png'),
          itemOperations('Data', 'iVBORw0KGgoAAAANSUhEUg=='),
        ),
      ),
    ),
  ),
  'Settings DeviceInformation request': settings(
    'Settings',
    settings(
      'DeviceInformation',
      settings(
        'Set',
        settings('Model', 'iPhone16,2'),
        settings('IMEI', '356938035643809'),
        settings('FriendlyName', 'Anna’s iPhone'),
        settings('OS', 'iOS 18.1 22B83'),
        settings('OSLanguage', 'de-CH'),
        settings('PhoneNumber', '+41 79 000 00 00'),
        settings('UserAgent', 'Apple-iPhone16C2/2208.83'),
        settings('MobileOperator', 'Swisscom'),
      ),
    ),
    settings('UserInformation', settings('Get')),
  ),
  'SendMail request': composeMail(
    'SendMail',
    composeMail('ClientId', '6D43-12E9-A1B0'),
    composeMail('SaveInSentItems'),
    composeMail(
      'Mime',
      new Uint8Array(
        Buffer.from(
          'From: alice@example.org\r\nTo: bob@example.com\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nHello\r\n',
        ),
      ),
    ),
  ),
};
