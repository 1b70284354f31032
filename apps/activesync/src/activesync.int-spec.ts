import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  child,
  childText,
  children,
  type ComposedMail,
  type ComposeSource,
  el,
  textOf,
  type WbxmlElement,
} from '@pushmail/activesync';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import {
  EasClient,
  easRequests,
  expectEventually,
  scrapeMetrics,
  syncCollectionOf,
  type EasResponse,
} from '@pushmail/testing';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SyncStore } from './state/sync-store.js';
import { gatewayPerSuite } from './testing/gateway-harness.js';
import type { FakeAttachment, FakeMailbox } from './testing/fake-mailbox.js';
import type { FakeAccount } from './testing/fake-registry.js';
import { TEST_CERTIFICATES } from './usecases/validate-certificates/test-certificates.js';

const statusOf = (body: WbxmlElement | undefined) => (body ? childText(body, 'Status') : undefined);
/** The Adds of a Sync answer's collection. */
const addsIn = (collection: WbxmlElement) => children(child(collection, 'Commands')!, 'Add');
/** The FileReference of the first attachment of an added message. */
const fileReferenceOf = (add: WbxmlElement) =>
  childText(child(child(child(add, 'ApplicationData')!, 'Attachments')!, 'Attachment')!, 'FileReference')!;
/** The elements among an element's children, whatever their tag. */
const elementsIn = (parent: WbxmlElement) =>
  parent.children.filter(
    (node): node is WbxmlElement => typeof node === 'object' && !(node instanceof Uint8Array),
  );

describe('activesync gateway', () => {
  const gateway = gatewayPerSuite('eas', {
    ACTIVESYNC_MAX_REQUEST_BYTES: '65536',
    SEND_MAX_MESSAGE_BYTES: '32768',
    ATTACHMENT_MAX_BYTES: '20000',
  });
  const { mailbox, registry, producer } = gateway;
  let baseUrl: string;

  const phone = (account: FakeAccount, deviceId?: string, version?: string) =>
    gateway.phone(account, deviceId, version);
  const newAccount = (options: { policy?: boolean; maxDevices?: number } = {}) => gateway.newAccount(options);
  /** A mail to `account`'s address (in its Inbox unless `mailbox` names another folder); answers its id. */
  const deliverTo = (
    account: FakeAccount,
    email: Omit<Parameters<FakeMailbox['deliver']>[1], 'to' | 'from'> & { from?: string },
  ) => mailbox.deliver(account.accountId, { from: 'b@x.y', to: account.address, ...email });
  /** Both phases of Provision; the client keeps the final key. */
  const provision = (client: EasClient) => client.provision();
  const folderSync = (client: EasClient, key: string) => client.folderSync(key);
  const sync = (
    client: EasClient,
    collectionId: string,
    key: string,
    extra: Array<WbxmlElement | false | undefined> = [],
    /** Elements of the request itself (Wait, HeartbeatInterval, WindowSize). */
    top: WbxmlElement[] = [],
  ) => {
    const request = easRequests.sync(collectionId, key, ...extra);
    request.children.push(...top);
    return client.command('Sync', request);
  };
  const collectionOf = (body: WbxmlElement | undefined) => syncCollectionOf(body)!;
  /**
   * A new account's phone that has its folders and has primed its Inbox (Sync at key 0): the
   * FolderSync key and the Inbox SyncKey it holds.
   */
  const primedPhone = async () => {
    const account = await newAccount();
    const client = phone(account);
    const hierarchy = await folderSync(client, '0');
    const inbox = mailbox.folderId(account.accountId, 'inbox');
    const start = await sync(client, inbox, '0');
    return {
      account,
      client,
      inbox,
      folderKey: childText(hierarchy.body!, 'SyncKey')!,
      key: childText(collectionOf(start.body), 'SyncKey')!,
    };
  };
  /** A primed phone whose Inbox is synced (its first Sync after priming), and the SyncKey it holds. */
  const syncedPhone = async () => {
    const { account, client, inbox, key } = await primedPhone();
    const second = await sync(client, inbox, key);
    return { account, client, inbox, key: childText(collectionOf(second.body), 'SyncKey')! };
  };
  /** A plain mail from b@x.y to `account`'s Inbox; answers its id. */
  /** Until the gateway holds at least one parked Ping, as its metrics say. */
  const parkedPings = () =>
    expectEventually(async () =>
      expect(await (await fetch(`${baseUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings [1-9]/,
      ),
    );
  const deliverPlain = (account: FakeAccount, subject: string, text = subject) =>
    deliverTo(account, { subject, text });
  /** A mail to `account` carrying `attachments` (name, type, bytes). */
  const deliverAttachments = (account: FakeAccount, attachments: FakeAttachment[]) =>
    deliverTo(account, { subject: 'attached', text: 'see attached', attachments });

  beforeAll(async () => {
    baseUrl = gateway.baseUrl;
  });

  describe('discovery and sign-in', () => {
    it('advertises 14.0, 14.1 and 16.1 and its commands on OPTIONS', async () => {
      const response = await fetch(`${baseUrl}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS' });
      expect(response.status).toBe(200);
      expect(response.headers.get('ms-asprotocolversions')).toBe('14.0,14.1,16.1');
      const commands = response.headers.get('ms-asprotocolcommands')!.split(',');
      expect(commands).toEqual(
        expect.arrayContaining(['Sync', 'FolderSync', 'Ping', 'Provision', 'Settings', 'ItemOperations']),
      );
    });

    it('answers Autodiscover in any letter case with the MobileSync URL, echoing the address', async () => {
      for (const path of [
        '/autodiscover/autodiscover.xml',
        '/Autodiscover/Autodiscover.xml',
        '/AUTODISCOVER/AUTODISCOVER.XML',
      ]) {
        const response = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          body:
            '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">' +
            '<Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>',
        });
        const xml = await response.text();
        expect(response.status, path).toBe(200);
        expect(xml).toContain('<Type>MobileSync</Type>');
        expect(xml).toContain('<Url>https://mail.example.test/Microsoft-Server-ActiveSync</Url>');
        expect(xml).toContain('<EMailAddress>alice@example.com</EMailAddress>');
      }
      const bad = await fetch(`${baseUrl}/autodiscover/autodiscover.xml`, {
        method: 'POST',
        body: '<nonsense',
      });
      expect(bad.status).toBe(400);
    });

    it('challenges a request without credentials or with a wrong password with 401 Basic', async () => {
      const account = await newAccount();
      const client = phone(account);
      const anonymous = await client.command('FolderSync', undefined, { headers: { authorization: '' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="pushmail"/);
      const wrong = new EasClient(baseUrl, { ...client.options, password: 'wrong' });
      const refused = await wrong.command(
        'FolderSync',
        el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', '0')),
      );
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
    });

    it('lets a phone in with a device token issued a moment ago, before its snapshot reached the gateway, and refuses one device-registry revoked', async () => {
      const account = await newAccount();
      const partner = phone(account);
      expect(statusOf((await folderSync(partner, '0')).body)).toBe('1');
      const token = `pmd_${randomBytes(32).toString('base64url')}`;
      const digest = createHash('sha256').update(token).digest('hex');
      // In device-registry's database at a new revision; its snapshot is published only once the gateway asked.
      account.devices.get(partner.options.deviceId)!.tokenSha256 = [digest];
      account.revision += 1;
      registry.onTokenChecked = (checked) => {
        if (checked === digest) void registry.publish(account);
      };
      const checksOf = (tokenSha256: string) =>
        registry.calls.filter(
          (call) =>
            call.path === '/internal/v1/devices/token-checks' && call.body['tokenSha256'] === tokenSha256,
        ).length;
      const counted = async () => {
        const scraped = await scrapeMetrics(baseUrl);
        const count = (verdict: string) =>
          scraped.value('pushmail_activesync_token_checks_total', { verdict }) ?? -1;
        return { indexed: count('indexed'), unknown: count('unknown'), unavailable: count('unavailable') };
      };
      const before = await counted();
      try {
        const withToken = new EasClient(baseUrl, {
          address: account.address,
          deviceId: partner.options.deviceId,
          token,
        });
        expect(statusOf((await folderSync(withToken, '0')).body)).toBe('1');
        expect(checksOf(digest)).toBe(1);

        const revokedToken = `pmd_${randomBytes(32).toString('base64url')}`;
        const revoked = new EasClient(baseUrl, {
          address: account.address,
          deviceId: partner.options.deviceId,
          token: revokedToken,
        });
        const refused = await folderSync(revoked, '0');
        expect(refused.status).toBe(401);
        expect(checksOf(createHash('sha256').update(revokedToken).digest('hex'))).toBe(1);
        // One check confirmed and then admitted by the caught-up views, one refused as unknown.
        expect(await counted()).toEqual({
          indexed: before.indexed + 1,
          unknown: before.unknown + 1,
          unavailable: before.unavailable,
        });
        expect(before.unavailable).toBeGreaterThanOrEqual(0);
      } finally {
        registry.onTokenChecked = undefined;
      }
    });

    it('refuses a malformed request line and malformed WBXML with 400, an oversized body with 413', async () => {
      const account = await newAccount();
      const client = phone(account);
      const noDevice = await fetch(`${baseUrl}/Microsoft-Server-ActiveSync?Cmd=Sync`, {
        method: 'POST',
        headers: { 'ms-asprotocolversion': '14.1' },
      });
      expect(noDevice.status).toBe(400);
      const oldVersion = await fetch(
        `${baseUrl}/Microsoft-Server-ActiveSync?Cmd=Sync&User=a&DeviceId=abc&DeviceType=x`,
        {
          method: 'POST',
          headers: { 'ms-asprotocolversion': '2.5', authorization: client.authorization },
        },
      );
      expect(oldVersion.status).toBe(400);
      const url = `${baseUrl}/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=a&DeviceId=${client.options.deviceId}&DeviceType=iPhone`;
      const headers = { 'ms-asprotocolversion': '14.1', authorization: client.authorization };
      const garbage = await fetch(url, {
        method: 'POST',
        headers,
        body: new Uint8Array([3, 1, 106, 0, 0x45, 0x99]),
      });
      expect(garbage.status).toBe(400);
      const truncated = await fetch(url, {
        method: 'POST',
        headers,
        body: new Uint8Array([3, 1, 106, 0, 0, 7, 0x56]),
      });
      expect(truncated.status).toBe(400);
      const huge = await fetch(url, { method: 'POST', headers, body: new Uint8Array(70_000) });
      expect(huge.status).toBe(413);
      expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
    });

    it('serves health and the gateway metrics', async () => {
      expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toContain('pushmail_activesync_commands_total');
      expect(metrics).toContain('pushmail_activesync_parked_pings');
      expect(metrics).toContain('pushmail_activesync_token_checks_total{verdict="unavailable"}');
    });
  });

  describe('two accounts', () => {
    it("gives one account's credentials with another's DeviceId only that account's own partnership and mail", async () => {
      const owner = await newAccount();
      const intruder = await newAccount();
      deliverPlain(owner, 'Owner only', 'private');
      const ownersPhone = phone(owner);
      const ownerKey = childText((await folderSync(ownersPhone, '0')).body!, 'SyncKey')!;
      const impostor = phone(intruder, ownersPhone.options.deviceId);
      expect(statusOf((await folderSync(impostor, ownerKey)).body)).toBe('9');
      const hierarchy = await folderSync(impostor, '0');
      const ids = children(child(hierarchy.body!, 'Changes')!, 'Add').map((add) =>
        childText(add, 'ServerId'),
      );
      expect(ids).toContain(mailbox.folderId(intruder.accountId, 'inbox'));
      expect(ids).not.toContain(mailbox.folderId(owner.accountId, 'inbox'));
      const foreignInbox = mailbox.folderId(owner.accountId, 'inbox');
      expect(statusOf(collectionOf((await sync(impostor, foreignInbox, '0')).body))).toBe('12');
      expect(intruder.devices.has(ownersPhone.options.deviceId)).toBe(true);
      expect(owner.devices.get(ownersPhone.options.deviceId)).toBeDefined();
    });
  });

  describe('Provision', () => {
    it('asks for provisioning (Status 142), hands out the policy, and never challenges again for the same version', async () => {
      const account = await newAccount({ policy: true });
      const client = phone(account);
      expect(statusOf((await folderSync(client, '0')).body)).toBe('142');
      const { first, second } = await provision(client);
      const doc = child(
        child(child(child(first.body!, 'Policies')!, 'Policy')!, 'Data')!,
        'EASProvisionDoc',
      )!;
      expect(childText(doc, 'DevicePasswordEnabled')).toBe('1');
      expect(childText(doc, 'MinDevicePasswordLength')).toBe('6');
      expect(childText(doc, 'MaxInactivityTimeDeviceLock')).toBe('300');
      expect(statusOf(second.body)).toBe('1');
      expect(client.policyKey).toMatch(/^[1-9][0-9]*$/);
      const ack = registry.calls.find(
        (call) =>
          call.path.endsWith('policy-acknowledgements') && call.body['accountId'] === account.accountId,
      );
      expect(ack?.body).toMatchObject({ version: 1, policyId: account.policy!.policyId });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect(statusOf((await folderSync(client, '0')).body)).toBe('1');
      }
    });

    it('asks for a refresh (143) after the policy changes, and refuses a key it never gave (144)', async () => {
      const account = await newAccount({ policy: true });
      const client = phone(account);
      await provision(client);
      expect(statusOf((await folderSync(client, '0')).body)).toBe('1');
      await registry.change(account, (changed) => (changed.policy = { ...changed.policy!, version: 2 }));
      await expectEventually(async () => expect(statusOf((await folderSync(client, '0')).body)).toBe('143'));
      await provision(client);
      expect(statusOf((await folderSync(client, '0')).body)).toBe('1');
      client.policyKey = '12345';
      expect(statusOf((await folderSync(client, '0')).body)).toBe('144');
    });

    it('answers 449 to an unprovisioned 14.0 device', async () => {
      const account = await newAccount({ policy: true });
      const client = phone(account, undefined, '14.0');
      expect((await folderSync(client, '0')).status).toBe(449);
      await provision(client);
      expect((await folderSync(client, '0')).status).toBe(200);
    });

    it('answers a blocked device Status 129 and the device limit Status 177', async () => {
      const account = await newAccount({ maxDevices: 1 });
      const first = phone(account);
      expect(statusOf((await folderSync(first, '0')).body)).toBe('1');
      expect(statusOf((await folderSync(phone(account), '0')).body)).toBe('177');
      await registry.change(
        account,
        (changed) => (changed.devices.get(first.options.deviceId)!.access = 'blocked'),
      );
      await expectEventually(async () => expect(statusOf((await folderSync(first, '0')).body)).toBe('129'));
    });

    it('signs phones that are already partners in without the registry, and still refuses a blocked one within moments', async () => {
      const account = await newAccount();
      const phones = [phone(account), phone(account), phone(account)];
      const signIns = () =>
        registry.calls.filter(
          (call) => call.path.endsWith('authenticate') && call.body['address'] === account.address,
        ).length;
      for (const each of phones) expect(statusOf((await folderSync(each, '0')).body)).toBe('1');
      const partnered = signIns();
      expect(partnered).toBe(3);

      const answers = await Promise.all(
        phones.flatMap((each) => [folderSync(each, '0'), folderSync(each, '0')]),
      );
      expect(answers.map((answer) => statusOf(answer.body))).toEqual(Array(6).fill('1'));
      expect(signIns()).toBe(partnered);

      const [kept, blocked] = phones as [EasClient, EasClient];
      await registry.change(
        account,
        (changed) => (changed.devices.get(blocked.options.deviceId)!.access = 'blocked'),
      );
      await expectEventually(async () => expect(statusOf((await folderSync(blocked, '0')).body)).toBe('129'));
      expect(statusOf((await folderSync(kept, '0')).body)).toBe('1');
      expect(signIns()).toBe(partnered);
    });

    it('carries out a remote wipe: Status 140, then RemoteWipe, then the confirmation recorded in device-registry', async () => {
      const account = await newAccount();
      const client = phone(account);
      expect(statusOf((await folderSync(client, '0')).body)).toBe('1');
      const wipeId = await registry.requestWipe(account, [client.options.deviceId], 'full');
      await expectEventually(async () => expect(statusOf((await folderSync(client, '0')).body)).toBe('140'));
      const asked = await client.command('Provision', easRequests.provision());
      expect(child(asked.body!, 'RemoteWipe')).toBeDefined();
      const confirmed = await client.command('Provision', easRequests.wipeConfirmation());
      expect(statusOf(confirmed.body)).toBe('1');
      expect(registry.wipeConfirmed(wipeId, client.options.deviceId)).toBe(true);
      expect(account.devices.get(client.options.deviceId)!.status).toBe('wiped');
    });

    it('carries out an account-only wipe on a 16.1 device with AccountOnlyRemoteWipe, and blocks an older one', async () => {
      const account = await newAccount();
      const modern = phone(account, undefined, '16.1');
      const older = phone(account, undefined, '14.1');
      expect(statusOf((await folderSync(modern, '0')).body)).toBe('1');
      expect(statusOf((await folderSync(older, '0')).body)).toBe('1');
      const wipeId = await registry.requestWipe(
        account,
        [modern.options.deviceId, older.options.deviceId],
        'account',
      );
      await expectEventually(async () => expect(statusOf((await folderSync(modern, '0')).body)).toBe('140'));
      expect(statusOf((await folderSync(older, '0')).body)).toBe('129');
      const asked = await modern.command('Provision', easRequests.provision());
      expect(asked.status).toBe(200);
      expect(child(asked.body!, 'AccountOnlyRemoteWipe')).toBeDefined();
      expect(child(asked.body!, 'RemoteWipe')).toBeUndefined();
      const confirmed = await modern.command(
        'Provision',
        el(
          'Provision',
          'Provision',
          el('Provision', 'AccountOnlyRemoteWipe', el('Provision', 'Status', '1')),
        ),
      );
      expect(statusOf(confirmed.body)).toBe('1');
      expect(registry.wipeConfirmed(wipeId, modern.options.deviceId)).toBe(true);
      expect(account.devices.get(modern.options.deviceId)!.status).toBe('wiped');
      expect(account.devices.get(older.options.deviceId)!.status).not.toBe('wiped');
    });

    it('records Settings DeviceInformation in the partnership, without the IMEI', async () => {
      const account = await newAccount();
      const client = phone(account);
      const answer = await client.command(
        'Settings',
        easRequests.deviceInformation(
          [
            ['Model', 'iPhone15,2'],
            ['IMEI', '356938035643809'],
            ['OS', 'iOS 18.1'],
          ],
          el('Settings', 'Oof', el('Settings', 'Get', el('Settings', 'BodyType', 'Text'))),
        ),
      );
      expect(statusOf(answer.body)).toBe('1');
      expect(childText(child(answer.body!, 'DeviceInformation')!, 'Status')).toBe('1');
      expect(childText(child(child(answer.body!, 'Oof')!, 'Get')!, 'OofState')).toBe('0');
      expect(account.devices.get(client.options.deviceId)).toMatchObject({
        model: 'iPhone15,2',
        os: 'iOS 18.1',
      });
      expect(JSON.stringify(registry.calls)).not.toContain('356938035643809');
    });
    it('stores the out-of-office settings a phone sets and returns them to every phone of the account, and only of it', async () => {
      const account = await newAccount();
      const [first, second] = [phone(account), phone(account)];
      const settings = (client: EasClient, oof: WbxmlElement) =>
        client.command('Settings', el('Settings', 'Settings', el('Settings', 'Oof', oof)));
      const oofStatus = (answer: { body: WbxmlElement | undefined }) =>
        childText(child(answer.body!, 'Oof')!, 'Status');
      const get = async (client: EasClient) =>
        child(
          child(
            (await settings(client, el('Settings', 'Get', el('Settings', 'BodyType', 'Text')))).body!,
            'Oof',
          )!,
          'Get',
        )!;
      const message = (audience: string, text: string) =>
        el(
          'Settings',
          'OofMessage',
          el('Settings', audience),
          el('Settings', 'Enabled', '1'),
          el('Settings', 'ReplyMessage', text),
          el('Settings', 'BodyType', 'Text'),
        );
      const set = await settings(
        first,
        el(
          'Settings',
          'Set',
          el('Settings', 'OofState', '1'),
          message('AppliesToInternal', 'Away until Monday'),
        ),
      );
      expect(oofStatus(set)).toBe('1');
      // One setting for both protocols: the account's VacationResponse, which sends the replies.
      expect(mailbox.vacations.get(account.accountId)).toMatchObject({
        isEnabled: true,
        fromDate: null,
        toDate: null,
        textBody: 'Away until Monday',
        htmlBody: null,
      });
      const seen = await get(second);
      expect(childText(seen, 'OofState')).toBe('1');
      expect(childText(child(seen, 'OofMessage')!, 'ReplyMessage')).toBe('Away until Monday');
      expect(childText(await get(phone(await newAccount())), 'OofState')).toBe('0');

      const window = (start: string, end: string) =>
        el(
          'Settings',
          'Set',
          el('Settings', 'OofState', '2'),
          el('Settings', 'StartTime', start),
          el('Settings', 'EndTime', end),
        );
      const [christmas, eve] = ['2026-12-24T00:00:00.000Z', '2026-12-20T00:00:00.000Z'];
      expect(oofStatus(await settings(first, window(christmas, eve)))).toBe('5');
      const timed = window(eve, christmas);
      expect(oofStatus(await settings(second, timed))).toBe('1');
      const now = await get(first);
      expect([childText(now, 'OofState'), childText(now, 'StartTime'), childText(now, 'EndTime')]).toEqual([
        '2',
        '2026-12-20T00:00:00.000Z',
        '2026-12-24T00:00:00.000Z',
      ]);
      expect(childText(child(now, 'OofMessage')!, 'ReplyMessage')).toBe('Away until Monday');
      expect(mailbox.vacations.get(account.accountId)).toMatchObject({
        isEnabled: true,
        fromDate: '2026-12-20T00:00:00Z',
        toDate: '2026-12-24T00:00:00Z',
        textBody: 'Away until Monday',
      });

      // Changed over JMAP: the phones see it, its message for every audience.
      mailbox.vacations.set(account.accountId, {
        ...mailbox.vacations.get(account.accountId),
        isEnabled: false,
        textBody: null,
        htmlBody: '<p>Back soon</p>',
      });
      const changed = await get(first);
      expect(childText(changed, 'OofState')).toBe('0');
      expect(childText(child(changed, 'OofMessage')!, 'ReplyMessage')).toBe('<p>Back soon</p>');
      expect(childText(child(changed, 'OofMessage')!, 'BodyType')).toBe('HTML');
      expect(oofStatus(await settings(second, el('Settings', 'Set', el('Settings', 'OofState', '1'))))).toBe(
        '1',
      );
      expect(mailbox.vacations.get(account.accountId)).toMatchObject({
        isEnabled: true,
        fromDate: null,
        htmlBody: '<p>Back soon</p>',
      });
    });
  });

  describe('quarantine', () => {
    it("serves a quarantined device none of the account's attachments", async () => {
      const account = await newAccount();
      const allowed = phone(account);
      await folderSync(allowed, '0');
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const start = await sync(allowed, inbox, '0');
      const data = randomBytes(2000);
      deliverAttachments(account, [{ name: 'a.bin', type: 'application/octet-stream', data }]);
      const synced = await sync(allowed, inbox, childText(collectionOf(start.body), 'SyncKey')!);
      const reference = fileReferenceOf(addsIn(collectionOf(synced.body))[0]!);
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const waiting = phone(account);
      await folderSync(waiting, '0');
      const raw = await waiting.command('GetAttachment', undefined, { query: { AttachmentName: reference } });
      expect(raw.status).toBe(403);
      expect(raw.bytes.includes(data.subarray(0, 64))).toBe(false);
      const fetched = await waiting.command(
        'ItemOperations',
        easRequests.itemFetch(el('AirSyncBase', 'FileReference', reference)),
      );
      expect(childText(child(child(fetched.body!, 'Response')!, 'Fetch')!, 'Status')).toBe('6');
    });

    it('refuses folder changes of a quarantined device with the common AccessDenied (130), not a server error', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const client = phone(account);
      const key = childText((await folderSync(client, '0')).body!, 'SyncKey')!;
      const projects = mailbox.folderId(account.accountId, 'Projects');
      const before = mailbox.mailboxes.get(account.accountId)!.size;
      const answers = [
        await client.command(
          'FolderCreate',
          easRequests.folderCreate(key, { parentId: '0', displayName: 'Receipts', type: '12' }),
        ),
        await client.command(
          'FolderUpdate',
          easRequests.folderUpdate(key, projects, { parentId: '0', displayName: 'Renamed' }),
        ),
        await client.command('FolderDelete', easRequests.folderDelete(key, projects)),
      ];
      expect(answers.map((answer) => statusOf(answer.body))).toEqual(['130', '130', '130']);
      expect(mailbox.mailboxes.get(account.accountId)!.size).toBe(before);
      expect(mailbox.mailboxes.get(account.accountId)!.get(projects)?.name).toBe('Projects');
    });

    it('refuses a MoveItems of a quarantined device with the common AccessDenied (130), moving nothing', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const client = phone(account);
      await folderSync(client, '0');
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const start = await sync(client, inbox, '0');
      const held = collectionOf(
        (await sync(client, inbox, childText(collectionOf(start.body), 'SyncKey')!)).body,
      );
      const notice = childText(child(child(held, 'Commands')!, 'Add')!, 'ServerId')!;
      const projects = mailbox.folderId(account.accountId, 'Projects');
      const moved = await client.command('MoveItems', easRequests.moveItem(notice, inbox, projects));
      expect(statusOf(moved.body)).toBe('130');
      expect(child(moved.body!, 'Response')).toBeUndefined();
    });

    it('answers a mailbox search of a quarantined device Store Status 5 (access denied), with no results', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      deliverPlain(account, 'Quarterly invoice', 'secret');
      const client = phone(account);
      await folderSync(client, '0');
      const answer = await client.command('Search', easRequests.searchMailbox('invoice', '0-9'));
      expect(statusOf(answer.body)).toBe('1');
      const store = child(child(answer.body!, 'Response')!, 'Store')!;
      expect(childText(store, 'Status')).toBe('5');
      expect(child(store, 'Result')).toBeUndefined();
      expect(JSON.stringify(answer.body)).not.toContain('Quarterly');
    });

    it('shows a quarantined device the default folders and one explanatory message, and on release sends it to FolderSync for its folders and mail', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      deliverPlain(account, 'Private', 'secret');
      const projects = mailbox.folderId(account.accountId, 'Projects');
      const client = phone(account);
      const hierarchy = await folderSync(client, '0');
      const shown = children(child(hierarchy.body!, 'Changes')!, 'Add').map((add) => [
        childText(add, 'DisplayName'),
        childText(add, 'Type'),
        childText(add, 'ParentId'),
      ]);
      expect(shown).toEqual([
        ['Inbox', '2', '0'],
        ['Drafts', '3', '0'],
        ['Sent Items', '5', '0'],
        ['Deleted Items', '4', '0'],
      ]);
      // No user folder, by name or by ServerId.
      expect(hierarchy.bytes.includes('Projects')).toBe(false);
      expect(hierarchy.bytes.includes(projects)).toBe(false);
      const folderKey = childText(hierarchy.body!, 'SyncKey')!;
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const start = await sync(client, inbox, '0');
      const held = collectionOf(
        (await sync(client, inbox, childText(collectionOf(start.body), 'SyncKey')!)).body,
      );
      const adds = addsIn(held);
      expect(adds).toHaveLength(1);
      expect(childText(child(adds[0]!, 'ApplicationData')!, 'Subject')).toBe(
        'Your device is waiting for approval',
      );
      expect(JSON.stringify(held)).not.toContain('secret');
      // A user folder it was never shown is not one it may Ping.
      expect(statusOf((await client.command('Ping', easRequests.ping(1, [inbox, projects]))).body)).toBe('7');

      // Parked on its Inbox (the notice synced), the Ping is ended by the release: the hierarchy it
      // holds is no longer the one it may see, and it is told to FolderSync (7), not to Sync (2).
      const parked = client.command('Ping', easRequests.ping(300, [inbox]));
      await parkedPings();
      await registry.change(
        account,
        (changed) => (changed.devices.get(client.options.deviceId)!.access = 'allowed'),
      );
      expect(statusOf((await parked).body)).toBe('7');
      // Until it does, a Sync is told the hierarchy changed (12), and neither moves its key nor
      // shows it mail.
      const key = childText(held, 'SyncKey')!;
      const early = await sync(client, inbox, key);
      expect(statusOf(early.body)).toBe('12');
      expect(syncCollectionOf(early.body)).toBeUndefined();
      // Its FolderSync at the key it holds (no new partnership, no Provision) adds the user folder
      // and gives the default folders their names.
      const real = await folderSync(client, folderKey);
      expect(statusOf(real.body)).toBe('1');
      const changes = child(real.body!, 'Changes')!;
      expect(
        children(changes, 'Add').map((add) => [childText(add, 'ServerId'), childText(add, 'DisplayName')]),
      ).toEqual([[projects, 'Projects']]);
      expect(children(changes, 'Update').map((update) => childText(update, 'DisplayName'))).toEqual(
        expect.arrayContaining(['Sent', 'Trash']),
      );
      expect(children(changes, 'Delete')).toEqual([]);
      // Then its Inbox, at the key it held: the notice goes and the mail comes.
      const released = collectionOf((await sync(client, inbox, key)).body);
      expect(statusOf(released)).toBe('1');
      const seen = elementsIn(child(released, 'Commands')!).map(
        (command) => `${command.tag} ${childText(command, 'ServerId')}`,
      );
      expect(seen).toEqual(
        expect.arrayContaining(['Delete pushmail-quarantine-notice', expect.stringMatching(/^Add M/)]),
      );
      // And its user folder is one it may Ping now.
      expect(statusOf((await client.command('Ping', easRequests.ping(1, [inbox, projects]))).body)).toBe('1');
    });

    /** Resolves once the gateway holds the device's standing as quarantined (or not): a Search tells, changing nothing. */
    const seenQuarantined = (client: EasClient, quarantined: boolean) =>
      expectEventually(async () => {
        const answer = await client.command('Search', easRequests.searchMailbox('standing', '0-0'));
        const store = child(child(answer.body!, 'Response')!, 'Store')!;
        expect(childText(store, 'Status') === '5').toBe(quarantined);
      });
    const setAccess = async (account: FakeAccount, client: EasClient, access: 'allowed' | 'quarantined') => {
      await registry.change(
        account,
        (changed) => (changed.devices.get(client.options.deviceId)!.access = access),
      );
      await seenQuarantined(client, access === 'quarantined');
    };
    /** A primed phone with a mail `subject` it has not synced in its Inbox, and `start`, the key it holds. */
    const primedPhoneWithMail = async (subject: string) => {
      const { key, ...primed } = await primedPhone();
      deliverPlain(primed.account, subject, 'secret');
      return { ...primed, start: key };
    };
    /** Quarantines the phone, which then takes the quarantine hierarchy (FolderSync Status 1). */
    const quarantineHierarchy = async (account: FakeAccount, client: EasClient, folderKey: string) => {
      await setAccess(account, client, 'quarantined');
      expect(statusOf((await folderSync(client, folderKey)).body)).toBe('1');
    };
    /** A Sync answer of the quarantine view: the notice alone, and nothing of the mail `hidden`. */
    const expectQuarantineView = (answer: EasResponse, hidden: string) => {
      expect(addsIn(collectionOf(answer.body)).map((add) => childText(add, 'ServerId'))).toEqual([
        'pushmail-quarantine-notice',
      ]);
      expect(answer.bytes.includes(hidden)).toBe(false);
    };

    it("answers a quarantined device's Sync of a user folder Status 12 and shows nothing of it, whether its ServerId was kept from before the quarantine or guessed", async () => {
      const account = await newAccount();
      const projects = mailbox.folderId(account.accountId, 'Projects');
      deliverTo(account, {
        subject: 'Roadmap',
        text: 'next year',
        mailbox: projects,
      });
      // Allowed, the phone synced Projects: the answer that gave it the mail is kept for a retry of `start`.
      const client = phone(account);
      const folderKey = childText((await folderSync(client, '0')).body!, 'SyncKey')!;
      const start = childText(collectionOf((await sync(client, projects, '0')).body), 'SyncKey')!;
      const synced = await sync(client, projects, start);
      expect(synced.bytes.includes('Roadmap')).toBe(true);
      const key = childText(collectionOf(synced.body), 'SyncKey')!;

      await setAccess(account, client, 'quarantined');
      expect(statusOf((await sync(client, projects, key)).body)).toBe('12');
      const view = await folderSync(client, folderKey);
      expect(
        children(child(view.body!, 'Changes')!, 'Delete').map((gone) => childText(gone, 'ServerId')),
      ).toContain(projects);
      // Projects is no longer in the hierarchy it holds: the retried key (whose kept answer holds
      // the mail), the key it holds and a new start are each told the hierarchy changed.
      const answers: Buffer[] = [];
      const statuses: Array<string | undefined> = [];
      for (const held of [start, key, '0']) {
        const answer = await sync(client, projects, held);
        answers.push(answer.bytes);
        statuses.push(statusOf(collectionOf(answer.body)));
      }
      // Nor is a held Sync at the key it holds: answered at once, not held for its heartbeat.
      const heldAt = Date.now();
      const held = await sync(client, projects, key, [], [el('AirSync', 'HeartbeatInterval', '30')]);
      answers.push(held.bytes);
      statuses.push(statusOf(collectionOf(held.body)));
      expect(Date.now() - heldAt).toBeLessThan(5000);
      // A phone quarantined from its first command, guessing the ServerId.
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const guessing = phone(account);
      await folderSync(guessing, '0');
      const guessed = await sync(guessing, projects, '0');
      answers.push(guessed.bytes);
      statuses.push(statusOf(collectionOf(guessed.body)));
      expect(statuses).toEqual(['12', '12', '12', '12', '12']);
      for (const answer of answers) {
        expect(answer.includes('Roadmap')).toBe(false);
        expect(answer.includes('next year')).toBe(false);
      }
    });

    it('gives a device quarantined after it synced none of the mail of an answer kept for a retry of its key', async () => {
      const { account, client, inbox, folderKey, start } = await primedPhoneWithMail('Before the quarantine');
      const synced = await sync(client, inbox, start);
      expect(synced.bytes.includes('Before the quarantine')).toBe(true);
      await quarantineHierarchy(account, client, folderKey);
      // It lost that answer and retries its key: not the mail again, but start over (3).
      const retried = await sync(client, inbox, start);
      expect(statusOf(collectionOf(retried.body))).toBe('3');
      expect(retried.bytes.includes('Before the quarantine')).toBe(false);
      // From 0 it is shown the quarantine view: the notice only.
      const again = childText(collectionOf((await sync(client, inbox, '0')).body), 'SyncKey')!;
      expectQuarantineView(await sync(client, inbox, again), 'Before the quarantine');
    });

    it('keeps no answer of a Sync let in before a quarantine that stores it after the quarantine FolderSync: neither it nor a retry of its key gives the mail', async () => {
      const { account, client, inbox, folderKey, start } = await primedPhoneWithMail(
        'Let in before the quarantine',
      );
      const store = gateway.app!.get(SyncStore);
      const advance = store.advanceSyncState.bind(store);
      // The Sync has built its answer (the mail) under the device's lock; the quarantine FolderSync,
      // which does not take that lock, moves the hierarchy and forgets the kept answers before the
      // Sync stores its answer.
      const stored = vi.spyOn(store, 'advanceSyncState').mockImplementationOnce(async (...args) => {
        await quarantineHierarchy(account, client, folderKey);
        return advance(...args);
      });
      const raced = await sync(client, inbox, start);
      expect(stored).toHaveBeenCalledTimes(1);
      stored.mockRestore();
      expect(statusOf(collectionOf(raced.body))).toBe('3');
      expect(raced.bytes.includes('Let in before the quarantine')).toBe(false);
      // The device lost that answer and retries its key: the quarantine view, not the mail.
      const retried = await sync(client, inbox, start);
      expect(statusOf(collectionOf(retried.body))).toBe('1');
      expectQuarantineView(retried, 'Let in before the quarantine');
    });

    it('refuses (3) the retry of a key whose kept answer was built for the whole hierarchy once the device holds the quarantine view, even before the kept answers are forgotten', async () => {
      const { account, client, inbox, folderKey, start } = await primedPhoneWithMail('Kept for a retry');
      const synced = await sync(client, inbox, start);
      expect(synced.bytes.includes('Kept for a retry')).toBe(true);
      await setAccess(account, client, 'quarantined');
      // The quarantine FolderSync has moved the hierarchy and not (yet) forgotten the kept answers.
      const store = gateway.app!.get(SyncStore);
      const forget = vi.spyOn(store, 'forgetKeptAnswers').mockResolvedValueOnce(undefined);
      expect(statusOf((await folderSync(client, folderKey)).body)).toBe('1');
      expect(forget).toHaveBeenCalledTimes(1);
      forget.mockRestore();
      const retried = await sync(client, inbox, start);
      expect(statusOf(collectionOf(retried.body))).toBe('3');
      expect(retried.bytes.includes('Kept for a retry')).toBe(false);
    });

    it('answers GetItemEstimate Status 2 while the hierarchy the device holds is not the one it may see, never counting mail it may not see', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      deliverPlain(account, 'Private', 'secret');
      deliverPlain(account, 'Private too', 'secret');
      const client = phone(account);
      const folderKey = childText((await folderSync(client, '0')).body!, 'SyncKey')!;
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const key = childText(collectionOf((await sync(client, inbox, '0')).body), 'SyncKey')!;
      const estimate = async () => {
        const answer = await client.command('GetItemEstimate', easRequests.getItemEstimate(inbox, key));
        const response = child(answer.body!, 'Response')!;
        return [childText(response, 'Status'), childText(child(response, 'Collection')!, 'Estimate')];
      };
      // Quarantined: the notice alone, whatever mail there is.
      expect(await estimate()).toEqual(['1', '1']);
      // Allowed, it still holds the quarantine view: invalid collection until it FolderSyncs.
      await setAccess(account, client, 'allowed');
      expect(await estimate()).toEqual(['2', undefined]);
      expect(statusOf((await folderSync(client, folderKey)).body)).toBe('1');
      expect(await estimate()).toEqual(['1', '2']);
      // Quarantined again, it holds the whole hierarchy: invalid collection again, not the real count.
      await setAccess(account, client, 'quarantined');
      expect(await estimate()).toEqual(['2', undefined]);
    });

    it('ends a held Sync at once on release and on quarantine with Status 12, and holds none while the hierarchy is out of date', async () => {
      const account = await newAccount();
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      deliverPlain(account, 'Private', 'secret');
      const client = phone(account);
      const folderKey = childText((await folderSync(client, '0')).body!, 'SyncKey')!;
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const start = childText(collectionOf((await sync(client, inbox, '0')).body), 'SyncKey')!;
      const key = childText(collectionOf((await sync(client, inbox, start)).body), 'SyncKey')!;
      const held = (syncKey: string, heartbeat: string) =>
        sync(client, inbox, syncKey, [], [el('AirSync', 'HeartbeatInterval', heartbeat)]);

      // Parked on the quarantine view (the notice synced), released by an administrator.
      const parked = held(key, '300');
      await parkedPings();
      const releasedAt = Date.now();
      await registry.change(
        account,
        (changed) => (changed.devices.get(client.options.deviceId)!.access = 'allowed'),
      );
      const released = await parked;
      expect(Date.now() - releasedAt).toBeLessThan(5000);
      expect(statusOf(released.body)).toBe('12');
      expect(released.bytes.includes('Private')).toBe(false);
      // Until it FolderSyncs a held Sync is answered 12 at once, not held for its heartbeat.
      const askedAt = Date.now();
      const early = await held(key, '30');
      expect(statusOf(early.body)).toBe('12');
      expect(Date.now() - askedAt).toBeLessThan(5000);

      expect(statusOf((await folderSync(client, folderKey)).body)).toBe('1');
      const real = collectionOf((await sync(client, inbox, key)).body);
      expect(statusOf(real)).toBe('1');
      // Allowed and parked on its real Inbox, then quarantined: 12 again, and none of the new mail.
      const again = held(childText(real, 'SyncKey')!, '300');
      await parkedPings();
      const quarantinedAt = Date.now();
      await registry.change(
        account,
        (changed) => (changed.devices.get(client.options.deviceId)!.access = 'quarantined'),
      );
      deliverPlain(account, 'Arrived meanwhile', 'secret');
      const quarantined = await again;
      expect(Date.now() - quarantinedAt).toBeLessThan(5000);
      expect(statusOf(quarantined.body)).toBe('12');
      expect(quarantined.bytes.includes('Arrived meanwhile')).toBe(false);
    });

    it('answers every command of a quarantined device with the notice or a refusal it does not retry, and shows it none of the mail', async () => {
      const account = await newAccount({ policy: true });
      const other = await newAccount();
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const projects = mailbox.folderId(account.accountId, 'Projects');
      // The real mail, and an attachment's FileReference as an allowed phone of the account was given it.
      const data = randomBytes(2000);
      const allowed = phone(account);
      await provision(allowed);
      await folderSync(allowed, '0');
      const primed = await sync(allowed, inbox, '0');
      const real = deliverTo(account, {
        subject: 'Quarterly invoice',
        from: 'billing@x.y',
        text: 'wire the payment today',
        attachments: [{ name: 'invoice.pdf', type: 'application/pdf', data }],
      });
      deliverPlain(account, 'Salary review', 'confidential figures');
      deliverTo(account, {
        subject: 'Roadmap',
        text: 'next year',
        mailbox: projects,
      });
      const synced = await sync(allowed, inbox, childText(collectionOf(primed.body), 'SyncKey')!);
      const given = addsIn(collectionOf(synced.body)).find((add) => childText(add, 'ServerId') === real)!;
      const reference = fileReferenceOf(given);
      const vacation = JSON.stringify(mailbox.vacations.get(account.accountId));
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const asked = mailbox.requests.length;

      const client = phone(account);
      const modern = phone(account, undefined, '16.1');
      const answers: Buffer[] = [];
      const run = async (
        on: EasClient,
        command: string,
        body?: WbxmlElement,
        query?: Record<string, string>,
      ) => {
        const answer = await on.command(command, body, query ? { query } : {});
        answers.push(answer.bytes);
        return answer;
      };
      const partStatus = (body: WbxmlElement | undefined, tag: string) => statusOf(child(body!, tag));
      const got: Record<string, unknown> = {};

      for (const quarantined of [client, modern]) {
        const { first, second } = await provision(quarantined);
        answers.push(first.bytes, second.bytes);
        got[`Provision ${quarantined.options.version}`] = statusOf(second.body);
      }
      const settings = await run(
        client,
        'Settings',
        easRequests.deviceInformation(
          [['Model', 'Pixel 9']],
          el('Settings', 'Oof', el('Settings', 'Get', el('Settings', 'BodyType', 'Text'))),
          el('Settings', 'UserInformation', el('Settings', 'Get')),
        ),
      );
      got['Settings'] = ['Settings', 'DeviceInformation', 'Oof', 'UserInformation'].map((tag) =>
        tag === 'Settings' ? statusOf(settings.body) : partStatus(settings.body, tag),
      );
      const oofSet = await run(
        client,
        'Settings',
        el(
          'Settings',
          'Settings',
          el('Settings', 'Oof', el('Settings', 'Set', el('Settings', 'OofState', '1'))),
        ),
      );
      got['Settings Oof Set'] = partStatus(oofSet.body, 'Oof');
      const hierarchy = await run(client, 'FolderSync', easRequests.folderSync('0'));
      got['FolderSync'] = [
        statusOf(hierarchy.body),
        children(child(hierarchy.body!, 'Changes')!, 'Add').map((add) => childText(add, 'DisplayName')),
      ];
      const folderKey = childText(hierarchy.body!, 'SyncKey')!;
      const keyOf = (answer: { body?: WbxmlElement | undefined }) =>
        childText(collectionOf(answer.body), 'SyncKey')!;
      const inboxKey = keyOf(await run(client, 'Sync', easRequests.sync(inbox, '0')));
      // Projects, a folder it was not shown, is outside the hierarchy it holds: 12, no key.
      const projectsStart = collectionOf((await run(client, 'Sync', easRequests.sync(projects, '0'))).body);
      got['Sync (a user folder)'] = [statusOf(projectsStart), childText(projectsStart, 'SyncKey')];
      const projectsKey = childText(projectsStart, 'SyncKey')!;
      const estimates = await Promise.all(
        [
          [inbox, inboxKey],
          [projects, projectsKey],
        ].map(async ([id, key]) => {
          const answer = await run(client, 'GetItemEstimate', easRequests.getItemEstimate(id!, key!));
          const response = child(answer.body!, 'Response')!;
          return [childText(response, 'Status'), childText(child(response, 'Collection')!, 'Estimate')];
        }),
      );
      got['GetItemEstimate'] = estimates;
      // The notice is all there is to tell: the Ping names the Inbox only, though the account has
      // more mail (Projects, a folder it was not shown, it may not Ping: Status 7).
      got['Ping (a user folder)'] = statusOf(
        (await run(client, 'Ping', easRequests.ping(60, [inbox, projects]))).body,
      );
      const pending = await run(client, 'Ping', easRequests.ping(60, [inbox]));
      got['Ping (notice pending)'] = [
        statusOf(pending.body),
        children(child(pending.body!, 'Folders')!, 'Folder').map((folder) => textOf(folder)),
      ];
      const shown = collectionOf((await run(client, 'Sync', easRequests.sync(inbox, inboxKey))).body);
      const adds = addsIn(shown);
      got['Sync'] = [
        statusOf(shown),
        adds.map((add) => childText(child(add, 'ApplicationData')!, 'Subject')),
      ];
      const notice = childText(adds[0]!, 'ServerId')!;
      /** A Sync of the Inbox with `commands`: its Status, its per-item answers, the commands it sends back. */
      let noticeKey = childText(shown, 'SyncKey')!;
      const syncInbox = async (...commands: WbxmlElement[]) => {
        const answer = collectionOf(
          (
            await run(
              client,
              'Sync',
              easRequests.sync(
                inbox,
                noticeKey,
                commands.length > 0 && el('AirSync', 'Commands', ...commands),
              ),
            )
          ).body,
        );
        noticeKey = childText(answer, 'SyncKey')!;
        const tagged = (parent: WbxmlElement | undefined) =>
          (parent ? elementsIn(parent) : []).map(
            (item) =>
              `${item.tag} ${childText(item, 'ServerId')}${childText(item, 'Status') ? ` ${childText(item, 'Status')}` : ''}`,
          );
        return [statusOf(answer), tagged(child(answer, 'Responses')), tagged(child(answer, 'Commands'))];
      };
      // Real mail is never touched (8); the notice is the phone's own: marking it read and flagging
      // it succeed (no per-item failure), and nothing is sent back.
      got['Sync Fetch/Change/Delete of a real message, Change of the notice'] = await syncInbox(
        el('AirSync', 'Fetch', el('AirSync', 'ServerId', real)),
        easRequests.change(real, el('Email', 'Read', '1')),
        el('AirSync', 'Delete', el('AirSync', 'ServerId', real)),
        easRequests.change(
          notice,
          el('Email', 'Read', '1'),
          el('Email', 'Flag', el('Email', 'Status', '2'), el('Email', 'FlagType', 'Follow up')),
        ),
      );
      // The next Sync does not set back what the phone shows.
      got['Sync after the notice was marked'] = await syncInbox();
      // A Delete of the notice succeeds too; the notice comes back, as Exchange keeps it.
      got['Sync Delete of the notice'] = await syncInbox(
        el('AirSync', 'Delete', el('AirSync', 'ServerId', notice)),
      );
      // New mail while it is parked does not wake it: the heartbeat ends it.
      const parked = run(client, 'Ping', easRequests.ping(1, [inbox]));
      deliverPlain(account, 'While parked', 'still private');
      got['Ping (mail arrives)'] = statusOf((await parked).body);

      const fetched = await run(
        client,
        'ItemOperations',
        el(
          'ItemOperations',
          'ItemOperations',
          ...[
            [el('AirSync', 'CollectionId', inbox), el('AirSync', 'ServerId', real)],
            [el('Search', 'LongId', real)],
            [el('AirSyncBase', 'FileReference', reference)],
            [el('AirSync', 'CollectionId', inbox), el('AirSync', 'ServerId', notice)],
          ].map((named) => el('ItemOperations', 'Fetch', el('ItemOperations', 'Store', 'Mailbox'), ...named)),
          el('ItemOperations', 'EmptyFolderContents', el('AirSync', 'CollectionId', inbox)),
        ),
      );
      const operations = elementsIn(child(fetched.body!, 'Response')!);
      got['ItemOperations'] = [
        statusOf(fetched.body),
        ...operations.map((operation) => `${operation.tag} ${childText(operation, 'Status')}`),
      ];
      got['ItemOperations notice'] = childText(child(operations[3]!, 'Properties')!, 'Subject');
      got['MoveItems'] = statusOf(
        (await run(client, 'MoveItems', easRequests.moveItem(notice, inbox, projects))).body,
      );
      got['FolderCreate/Update/Delete'] = [
        await run(
          client,
          'FolderCreate',
          easRequests.folderCreate(folderKey, { parentId: '0', displayName: 'Receipts', type: '12' }),
        ),
        await run(
          client,
          'FolderUpdate',
          easRequests.folderUpdate(folderKey, projects, { parentId: '0', displayName: 'Renamed' }),
        ),
        await run(client, 'FolderDelete', easRequests.folderDelete(folderKey, projects)),
      ].map((answer) => statusOf(answer.body));
      const search = await run(client, 'Search', easRequests.searchMailbox('invoice', '0-9'));
      got['Search'] = [statusOf(search.body), statusOf(child(child(search.body!, 'Response')!, 'Store'))];
      const mime = `To: ${other.address}\r\nSubject: out\r\n\r\nbody`;
      const clientId = () => randomBytes(6).toString('hex');
      got['SendMail/SmartReply/SmartForward'] = [
        await run(client, 'SendMail', easRequests.sendMail({ clientId: clientId(), mime })),
        await run(
          client,
          'SmartReply',
          easRequests.smartReply({ clientId: clientId(), mime, source: { folderId: inbox, itemId: real } }),
        ),
        await run(
          client,
          'SmartForward',
          easRequests.smartForward({ clientId: clientId(), mime, source: { folderId: inbox, itemId: real } }),
        ),
      ].map((answer) => statusOf(answer.body));
      const resolved = await run(
        client,
        'ResolveRecipients',
        el('ResolveRecipients', 'ResolveRecipients', el('ResolveRecipients', 'To', other.address)),
      );
      got['ResolveRecipients'] = [statusOf(resolved.body), children(resolved.body!, 'Response').length];
      const validated = await run(
        client,
        'ValidateCert',
        easRequests.validateCert(
          [TEST_CERTIFICATES.signer],
          [TEST_CERTIFICATES.intermediate, TEST_CERTIFICATES.root],
        ),
      );
      got['ValidateCert'] = [
        statusOf(validated.body),
        children(validated.body!, 'Certificate').map((certificate) => childText(certificate, 'Status')),
      ];
      const meeting = await run(client, 'MeetingResponse', easRequests.meetingResponse(real, inbox));
      got['MeetingResponse'] = statusOf(child(meeting.body!, 'Result'));
      const find = await run(
        modern,
        'Find',
        el(
          'Find',
          'Find',
          el('Find', 'SearchId', randomUUID()),
          el(
            'Find',
            'ExecuteSearch',
            el(
              'Find',
              'MailBoxSearchCriterion',
              el('Find', 'Query', el('AirSync', 'Class', 'Email'), el('Find', 'FreeText', 'invoice')),
              el('Find', 'Options', el('Find', 'Range', '0-9')),
            ),
          ),
        ),
      );
      got['Find'] = [statusOf(find.body), child(find.body!, 'Response')];
      const raw = await run(client, 'GetAttachment', undefined, { AttachmentName: reference });
      got['GetAttachment'] = raw.status;

      expect(got).toEqual({
        'Provision 14.1': '1',
        'Provision 16.1': '1',
        Settings: ['1', '1', '3', '1'],
        'Settings Oof Set': '3',
        FolderSync: ['1', ['Inbox', 'Drafts', 'Sent Items', 'Deleted Items']],
        'Sync (a user folder)': ['12', '0'],
        GetItemEstimate: [
          ['1', '1'],
          ['2', undefined],
        ],
        'Ping (a user folder)': '7',
        'Ping (notice pending)': ['2', [inbox]],
        Sync: ['1', ['Your device is waiting for approval']],
        'Sync Fetch/Change/Delete of a real message, Change of the notice': [
          '1',
          [`Fetch ${real} 8`, `Change ${real} 8`, `Delete ${real} 8`],
          [],
        ],
        'Sync after the notice was marked': ['1', [], []],
        'Sync Delete of the notice': ['1', [], [`Add ${notice}`]],
        'Ping (mail arrives)': '1',
        ItemOperations: ['1', 'Fetch 6', 'Fetch 6', 'Fetch 6', 'Fetch 1', 'EmptyFolderContents 156'],
        'ItemOperations notice': 'Your device is waiting for approval',
        MoveItems: '130',
        'FolderCreate/Update/Delete': ['130', '130', '130'],
        Search: ['1', '5'],
        'SendMail/SmartReply/SmartForward': ['130', '130', '130'],
        ResolveRecipients: ['130', 0],
        ValidateCert: ['1', ['4']],
        MeetingResponse: '2',
        Find: ['130', undefined],
        GetAttachment: 403,
      });
      // Nothing of the mail in any answer: no subject, body, attachment or other account's address.
      const everything = Buffer.concat(answers);
      for (const secret of [
        'Quarterly invoice',
        'wire the payment',
        'Salary review',
        'confidential',
        'Roadmap',
        'Projects',
        'still private',
        other.address,
      ]) {
        expect(everything.includes(secret), secret).toBe(false);
      }
      expect(everything.includes(data.subarray(0, 64))).toBe(false);
      // And nothing of it was read: mailbox was asked for the folders and the Email state (an
      // Email/get of no ids), never for a message, a search, a blob, or to change or send anything.
      const requests = mailbox.requests
        .slice(asked)
        .filter((request) => request.accountId === account.accountId);
      expect(new Set(requests.flatMap((request) => request.methods))).toEqual(
        new Set(['Mailbox/get', 'Email/get']),
      );
      expect(requests.flatMap((request) => request.emailIds ?? [])).toEqual([]);
      expect(mailbox.emails.get(account.accountId)!.get(real)).toMatchObject({
        keywords: {},
        mailboxIds: { [inbox]: true },
      });
      expect(JSON.stringify(mailbox.vacations.get(account.accountId))).toBe(vacation);
      expect(mailbox.mailboxes.get(account.accountId)!.get(projects)?.name).toBe('Projects');
    });
  });

  describe('FolderSync', () => {
    it('lists the folders with their EAS types, answers a retried key identically and an unknown key Status 9', async () => {
      const account = await newAccount();
      const client = phone(account);
      const first = await folderSync(client, '0');
      const changes = child(first.body!, 'Changes')!;
      const types = Object.fromEntries(
        children(changes, 'Add').map((add) => [childText(add, 'DisplayName'), childText(add, 'Type')]),
      );
      expect(types).toEqual({ Inbox: '2', Drafts: '3', Sent: '5', Trash: '4', Projects: '12' });
      const key = childText(first.body!, 'SyncKey')!;
      const next = await folderSync(client, key);
      expect(childText(child(next.body!, 'Changes')!, 'Count')).toBe('0');
      const retried = await folderSync(client, key);
      expect(retried.bytes.equals(next.bytes)).toBe(true);
      expect(statusOf((await folderSync(client, '{00000000-0000-0000-0000-000000000000}7')).body)).toBe('9');
      expect(statusOf((await folderSync(phone(account), childText(next.body!, 'SyncKey')!)).body)).toBe('9');
    });
  });

  describe('Sync', () => {
    const bodyPreference = (type: number, truncation?: number) =>
      el(
        'AirSync',
        'Options',
        el(
          'AirSyncBase',
          'BodyPreference',
          el('AirSyncBase', 'Type', String(type)),
          truncation !== undefined && el('AirSyncBase', 'TruncationSize', String(truncation)),
        ),
      );

    it('delivers new mail WindowSize at a time with MoreAvailable, with the preferred body truncated', async () => {
      const { account, client, inbox, key } = await primedPhone();
      for (let index = 0; index < 3; index += 1) {
        deliverTo(account, {
          subject: `Hello ${index}`,
          from: 'bob@example.com',
          text: `Body number ${index} is long enough`,
        });
      }
      const first = collectionOf(
        (await sync(client, inbox, key, [el('AirSync', 'WindowSize', '2'), bodyPreference(1, 10)])).body,
      );
      expect(child(first, 'MoreAvailable')).toBeDefined();
      const adds = addsIn(first);
      expect(adds).toHaveLength(2);
      const data = child(adds[0]!, 'ApplicationData')!;
      expect(childText(data, 'Subject')).toBe('Hello 2');
      const body = child(data, 'Body')!;
      expect(childText(body, 'Type')).toBe('1');
      expect(childText(body, 'Truncated')).toBe('1');
      expect(childText(body, 'Data')).toBe('Body numbe');
      const second = collectionOf(
        (
          await sync(client, inbox, childText(first, 'SyncKey')!, [
            el('AirSync', 'WindowSize', '2'),
            bodyPreference(2),
          ])
        ).body,
      );
      expect(child(second, 'MoreAvailable')).toBeUndefined();
      expect(addsIn(second).map((add) => childText(child(add, 'ApplicationData')!, 'Subject'))).toEqual([
        'Hello 0',
      ]);
    });

    it('brings a held folder up to date with its folders, its changes and the new mail in one request', async () => {
      const { account, client, inbox, key } = await primedPhone();
      deliverPlain(account, 'first');
      const first = collectionOf((await sync(client, inbox, key)).body);
      const requestsOf = (since: number) =>
        mailbox.requests
          .slice(since)
          .filter((request) => request.accountId === account.accountId)
          .map((request) => request.methods);

      const arrived = deliverPlain(account, 'second');
      let since = mailbox.requests.length;
      const second = collectionOf((await sync(client, inbox, childText(first, 'SyncKey')!)).body);
      expect(addsIn(second).map((add) => childText(add, 'ServerId'))).toEqual([arrived]);
      expect(requestsOf(since)).toEqual([['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get']]);
      const added = child(child(second, 'Commands')!, 'Add')!;
      expect(childText(child(added, 'ApplicationData')!, 'Subject')).toBe('second');

      since = mailbox.requests.length;
      const third = collectionOf((await sync(client, inbox, childText(second, 'SyncKey')!)).body);
      expect(statusOf(third)).toBe('1');
      expect(child(third, 'Commands')).toBeUndefined();
      expect(requestsOf(since)).toEqual([['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get']]);
    });

    describe('within a sync window', () => {
      const DAY_MS = 24 * 60 * 60 * 1000;
      /** A collection's Options asking for a sync window (FilterType 1: a day, 2: three days, 3: a week). */
      const filterType = (value: number) =>
        el('AirSync', 'Options', el('AirSync', 'FilterType', String(value)));
      /** Each command of a Sync answer's collection, as its tag and ServerId. */
      const commandsOf = (collection: WbxmlElement) =>
        elementsIn(child(collection, 'Commands') ?? el('AirSync', 'Commands')).map((command) => [
          command.tag,
          childText(command, 'ServerId'),
        ]);
      const requestsSince = (account: FakeAccount, since: number) =>
        mailbox.requests
          .slice(since)
          .filter((request) => request.accountId === account.accountId)
          .map((request) => request.methods);
      /** A listing of the folder (its state, then a page of ids with their flags), as the first Sync at a key makes it. */
      const LISTING = ['Email/get', 'Email/query', 'Email/get'];
      const CHANGES = ['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get'];
      /** A device of `account` that has its folders and has primed its Inbox: its client and Inbox SyncKey. */
      const primed = async (account: FakeAccount, deviceId: string, inbox: string) => {
        const client = phone(account, deviceId);
        await folderSync(client, '0');
        return { client, key: childText(collectionOf((await sync(client, inbox, '0')).body), 'SyncKey')! };
      };

      it('brings a windowed folder up to date from its changes once it was listed, not by listing it again', async () => {
        const { account, client, inbox, key } = await primedPhone();
        deliverTo(account, {
          subject: 'old',
          text: 'old',
          receivedAt: new Date(Date.now() - 10 * DAY_MS).toISOString(),
        });
        const first = deliverPlain(account, 'first');
        let since = mailbox.requests.length;
        const listed = collectionOf((await sync(client, inbox, key, [filterType(3)])).body);
        expect(commandsOf(listed)).toEqual([['Add', first]]);
        expect(requestsSince(account, since)).toEqual([['Mailbox/get', 'Email/get'], LISTING, ['Email/get']]);

        const arrived = deliverPlain(account, 'second');
        since = mailbox.requests.length;
        const second = collectionOf(
          (await sync(client, inbox, childText(listed, 'SyncKey')!, [filterType(3)])).body,
        );
        expect(commandsOf(second)).toEqual([['Add', arrived]]);
        expect(requestsSince(account, since)).toEqual([CHANGES]);

        // A message moved in that is older than the window is not added; nothing else to tell.
        const moved = deliverTo(account, {
          subject: 'archived',
          text: 'archived',
          mailbox: mailbox.folderId(account.accountId, 'trash'),
          receivedAt: new Date(Date.now() - 9 * DAY_MS).toISOString(),
        });
        mailbox.emails.get(account.accountId)!.get(moved)!.mailboxIds = { [inbox]: true };
        mailbox.bump(account.accountId);
        since = mailbox.requests.length;
        const third = collectionOf(
          (await sync(client, inbox, childText(second, 'SyncKey')!, [filterType(3)])).body,
        );
        expect(statusOf(third)).toBe('1');
        expect(commandsOf(third)).toEqual([]);
        expect(requestsSince(account, since)).toEqual([CHANGES]);
      });

      it('removes a message that aged out of the window as a listing removes it, on the changes path and on a listing alike', async () => {
        const account = await newAccount();
        const inbox = mailbox.folderId(account.accountId, 'inbox');
        const onChanges = await primed(account, 'window-changes', inbox);
        const onListing = await primed(account, 'window-listing', inbox);
        // Received a day before now, and a few seconds: it leaves a one-day window in those seconds.
        const agesOutAt = Date.now() + 6_000;
        const aging = deliverTo(account, {
          subject: 'aging',
          text: 'aging',
          receivedAt: new Date(agesOutAt - DAY_MS).toISOString(),
        });
        const kept = deliverPlain(account, 'kept');
        for (const device of [onChanges, onListing]) {
          const answer = collectionOf((await sync(device.client, inbox, device.key, [filterType(1)])).body);
          expect(commandsOf(answer)).toEqual([
            ['Add', kept],
            ['Add', aging],
          ]);
          device.key = childText(answer, 'SyncKey')!;
        }
        expect(Date.now()).toBeLessThan(agesOutAt);
        // The second device's Inbox as one held before the window was kept: it is listed, never guessed.
        const dataSource = gateway.app!.get(DataSource);
        await dataSource.query(
          `UPDATE activesync.sync_states SET window_days = NULL WHERE account_id = $1 AND device_id = $2`,
          [account.accountId, 'window-listing'],
        );
        await new Promise((resolve) => setTimeout(resolve, agesOutAt - Date.now() + 100));

        const arrived = deliverPlain(account, 'new');
        let since = mailbox.requests.length;
        const changed = collectionOf(
          (await sync(onChanges.client, inbox, onChanges.key, [filterType(1)])).body,
        );
        expect(requestsSince(account, since)).toEqual([CHANGES]);
        since = mailbox.requests.length;
        const relisted = collectionOf(
          (await sync(onListing.client, inbox, onListing.key, [filterType(1)])).body,
        );
        expect(requestsSince(account, since)).toEqual([['Mailbox/get', 'Email/get'], LISTING, ['Email/get']]);
        // The same answer on both paths: the aged message dropped from the view (a SoftDelete: it is not
        // deleted on the server), the new one added.
        expect(commandsOf(changed)).toEqual([
          ['SoftDelete', aging],
          ['Add', arrived],
        ]);
        expect(commandsOf(relisted)).toEqual(commandsOf(changed));

        // Listed once, the second device follows the changes too.
        const next = deliverPlain(account, 'next');
        since = mailbox.requests.length;
        const after = collectionOf(
          (await sync(onListing.client, inbox, childText(relisted, 'SyncKey')!, [filterType(1)])).body,
        );
        expect(commandsOf(after)).toEqual([['Add', next]]);
        expect(requestsSince(account, since)).toEqual([CHANGES]);
      });

      it('tells a message deleted on the server within the window as a Delete, not as one aged out', async () => {
        const account = await newAccount();
        const inbox = mailbox.folderId(account.accountId, 'inbox');
        const watching = await primed(account, 'window-watching', inbox);
        const deleting = await primed(account, 'window-deleting', inbox);
        const doomed = deliverPlain(account, 'doomed');
        for (const device of [watching, deleting]) {
          const answer = collectionOf((await sync(device.client, inbox, device.key, [filterType(1)])).body);
          expect(commandsOf(answer)).toEqual([['Add', doomed]]);
          device.key = childText(answer, 'SyncKey')!;
        }
        const removed = collectionOf(
          (
            await sync(deleting.client, inbox, deleting.key, [
              filterType(1),
              el('AirSync', 'DeletesAsMoves', '0'),
              el('AirSync', 'Commands', el('AirSync', 'Delete', el('AirSync', 'ServerId', doomed))),
            ])
          ).body,
        );
        expect(statusOf(removed)).toBe('1');
        const told = collectionOf((await sync(watching.client, inbox, watching.key, [filterType(1)])).body);
        expect(commandsOf(told)).toEqual([['Delete', doomed]]);
      });

      it('lists the folder when the window is wider than the one the device was answered within', async () => {
        const { account, client, inbox, key } = await primedPhone();
        const older = deliverTo(account, {
          subject: 'two days old',
          text: 'x',
          receivedAt: new Date(Date.now() - 2 * DAY_MS).toISOString(),
        });
        const recent = deliverPlain(account, 'recent');
        const narrow = collectionOf((await sync(client, inbox, key, [filterType(1)])).body);
        expect(commandsOf(narrow)).toEqual([['Add', recent]]);
        // Nothing changed in the account, but a three-day window holds a message the one-day one did not.
        const since = mailbox.requests.length;
        const wide = collectionOf(
          (await sync(client, inbox, childText(narrow, 'SyncKey')!, [filterType(2)])).body,
        );
        expect(commandsOf(wide)).toEqual([['Add', older]]);
        expect(requestsSince(account, since)).toEqual([['Mailbox/get', 'Email/get'], LISTING, ['Email/get']]);
        // No window at all after one: listed as well.
        const ancient = deliverTo(account, {
          subject: 'ancient',
          text: 'x',
          receivedAt: new Date(Date.now() - 400 * DAY_MS).toISOString(),
        });
        const all = collectionOf((await sync(client, inbox, childText(wide, 'SyncKey')!)).body);
        expect(commandsOf(all)).toEqual([['Add', ancient]]);
      });
    });

    it('reads a new message whose body is longer than what comes with the changes again, whole', async () => {
      const { account, client, inbox, key } = await primedPhone();
      deliverPlain(account, 'first');
      const first = collectionOf((await sync(client, inbox, key)).body);
      const text = 'long line of text. '.repeat(4_000);
      const arrived = deliverPlain(account, 'long', text);
      const since = mailbox.requests.length;
      const second = collectionOf(
        (await sync(client, inbox, childText(first, 'SyncKey')!, [bodyPreference(1, 100)])).body,
      );
      const added = child(child(second, 'Commands')!, 'Add')!;
      expect(childText(added, 'ServerId')).toBe(arrived);
      const body = child(child(added, 'ApplicationData')!, 'Body')!;
      // The size a phone is told is the whole body's, not the part that came with the changes.
      expect(Number(childText(body, 'EstimatedDataSize'))).toBe(Buffer.byteLength(text));
      expect(childText(body, 'Truncated')).toBe('1');
      expect(childText(body, 'Data')).toBe(text.slice(0, 100));
      expect(
        mailbox.requests
          .slice(since)
          .filter((request) => request.accountId === account.accountId)
          .map((request) => request.methods),
      ).toEqual([['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get'], ['Email/get']]);
    });

    it('applies read flags, follow-up flags and deletes from the device, as moves to the trash unless told otherwise', async () => {
      const { account, client, inbox, key } = await primedPhone();
      const read = deliverPlain(account, 'a');
      const moved = deliverPlain(account, 'b');
      const destroyed = deliverPlain(account, 'c');
      const got = collectionOf((await sync(client, inbox, key)).body);
      const change = easRequests.change;
      const after = collectionOf(
        (
          await sync(client, inbox, childText(got, 'SyncKey')!, [
            el(
              'AirSync',
              'Commands',
              change(read, el('Email', 'Read', '1'), el('Email', 'Flag', el('Email', 'Status', '2'))),
              el('AirSync', 'Delete', el('AirSync', 'ServerId', moved)),
              change('M-of-someone-else', el('Email', 'Read', '1')),
            ),
          ])
        ).body,
      );
      const emails = mailbox.emails.get(account.accountId)!;
      expect(emails.get(read)!.keywords).toEqual({ $seen: true, $flagged: true });
      expect(Object.keys(emails.get(moved)!.mailboxIds)).toEqual([
        mailbox.folderId(account.accountId, 'trash'),
      ]);
      const failed = children(child(after, 'Responses')!, 'Change');
      expect(
        failed.map((response) => [childText(response, 'ServerId'), childText(response, 'Status')]),
      ).toEqual([['M-of-someone-else', '8']]);
      // The device's own changes are not echoed back to it.
      expect(child(after, 'Commands')).toBeUndefined();
      const hard = collectionOf(
        (
          await sync(client, inbox, childText(after, 'SyncKey')!, [
            el('AirSync', 'DeletesAsMoves', '0'),
            el('AirSync', 'Commands', el('AirSync', 'Delete', el('AirSync', 'ServerId', destroyed))),
          ])
        ).body,
      );
      expect(statusOf(hard)).toBe('1');
      expect(emails.has(destroyed)).toBe(false);
    });

    it('shows a message the device moved to the trash in the trash collection of the same Sync', async () => {
      const { account, client, inbox, key } = await primedPhone();
      const moved = deliverPlain(account, 'to the trash');
      const got = collectionOf((await sync(client, inbox, key)).body);
      const trash = mailbox.folderId(account.accountId, 'trash');
      const trashStart = collectionOf((await sync(client, trash, '0')).body);
      const trashKey = childText(
        collectionOf((await sync(client, trash, childText(trashStart, 'SyncKey')!)).body),
        'SyncKey',
      )!;
      // One request: the Inbox deletes the message (a move), then the trash is asked for its changes.
      const request = easRequests.sync(
        inbox,
        childText(got, 'SyncKey')!,
        el('AirSync', 'Commands', el('AirSync', 'Delete', el('AirSync', 'ServerId', moved))),
      );
      const collections = child(request, 'Collections', 'AirSync')!;
      collections.children.push(
        el('AirSync', 'Collection', el('AirSync', 'SyncKey', trashKey), el('AirSync', 'CollectionId', trash)),
      );
      const answer = await client.command('Sync', request);
      const answered = children(child(answer.body!, 'Collections')!, 'Collection');
      const trashAnswer = answered.find((collection) => childText(collection, 'CollectionId') === trash)!;
      expect(statusOf(trashAnswer)).toBe('1');
      expect(addsIn(trashAnswer).map((add) => childText(add, 'ServerId'))).toEqual([moved]);
    });

    it('tells the device of changes made elsewhere, answers a retried key identically and an unknown key Status 3', async () => {
      const { account, client, inbox, key } = await primedPhone();
      const id = deliverPlain(account, 'x');
      const got = collectionOf((await sync(client, inbox, key)).body);
      mailbox.emails.get(account.accountId)!.get(id)!.keywords = { $seen: true };
      mailbox.bump(account.accountId);
      const request = () => sync(client, inbox, childText(got, 'SyncKey')!);
      const changed = await request();
      const change = child(child(collectionOf(changed.body), 'Commands')!, 'Change')!;
      expect(childText(child(change, 'ApplicationData')!, 'Read')).toBe('1');
      const retried = await request();
      expect(retried.bytes.equals(changed.bytes)).toBe(true);
      mailbox.emails.get(account.accountId)!.delete(id);
      mailbox.bump(account.accountId);
      const deleted = collectionOf(
        (await sync(client, inbox, childText(collectionOf(changed.body), 'SyncKey')!)).body,
      );
      expect(childText(child(child(deleted, 'Commands')!, 'Delete')!, 'ServerId')).toBe(id);
      expect(
        statusOf(collectionOf((await sync(client, inbox, '{11111111-1111-1111-1111-111111111111}4')).body)),
      ).toBe('3');
      const other = phone(account);
      expect(statusOf((await sync(other, inbox, childText(deleted, 'SyncKey')!)).body)).toBe('12');
      await folderSync(other, '0');
      // Another device's key means nothing for this one.
      expect(statusOf(collectionOf((await sync(other, inbox, childText(deleted, 'SyncKey')!)).body))).toBe(
        '3',
      );
    });
  });

  describe('other commands', () => {
    it('estimates the changes the next Sync would bring', async () => {
      const { account, client, inbox, key } = await primedPhone();
      deliverPlain(account, 'a');
      deliverPlain(account, 'b');
      const answer = await client.command('GetItemEstimate', easRequests.getItemEstimate(inbox, key));
      const response = child(answer.body!, 'Response')!;
      expect(childText(response, 'Status')).toBe('1');
      expect(childText(child(response, 'Collection')!, 'Estimate')).toBe('2');
    });

    it('fetches a message body and its MIME, and finds nothing of another account', async () => {
      const { account, client, inbox } = await primedPhone();
      const id = deliverPlain(account, 'fetch me', 'the whole body');
      const fetchOf = (serverId: string, type: number) =>
        client.command('ItemOperations', easRequests.messageFetch(inbox, serverId, String(type)));
      const plain = child(child((await fetchOf(id, 1)).body!, 'Response')!, 'Fetch')!;
      expect(childText(plain, 'Status')).toBe('1');
      expect(childText(child(child(plain, 'Properties')!, 'Body')!, 'Data')).toBe('the whole body');
      const mime = child(child((await fetchOf(id, 4)).body!, 'Response')!, 'Fetch')!;
      expect(childText(child(child(mime, 'Properties')!, 'Body')!, 'Data')).toContain('Subject: fetch me');
      const other = await newAccount();
      const foreign = deliverPlain(other, 'secret');
      const refused = child(child((await fetchOf(foreign, 1)).body!, 'Response')!, 'Fetch')!;
      expect(childText(refused, 'Status')).toBe('6');
      expect(JSON.stringify(refused)).not.toContain('secret');
    });

    it('lists attachments in Sync and serves them by FileReference, never to another account', async () => {
      const { account, client, inbox, key } = await primedPhone();
      const report = randomBytes(3000);
      deliverAttachments(account, [
        { name: 'report.pdf', type: 'application/pdf', data: report },
        { name: 'huge.bin', type: 'application/octet-stream', data: randomBytes(30_000) },
      ]);
      const add = child(child(collectionOf((await sync(client, inbox, key)).body), 'Commands')!, 'Add')!;
      const listed = children(child(child(add, 'ApplicationData')!, 'Attachments')!, 'Attachment');
      expect(listed.map((entry) => childText(entry, 'DisplayName'))).toEqual(['report.pdf', 'huge.bin']);
      expect(listed.map((entry) => childText(entry, 'EstimatedDataSize'))).toEqual(['3000', '30000']);
      const [reportReference, hugeReference] = listed.map((entry) => childText(entry, 'FileReference')!);

      const fetchAttachment = async (reference: string, by = client) =>
        child(
          child(
            (
              await by.command(
                'ItemOperations',
                easRequests.itemFetch(el('AirSyncBase', 'FileReference', reference)),
              )
            ).body!,
            'Response',
          )!,
          'Fetch',
        )!;
      const fetched = await fetchAttachment(reportReference!);
      expect(childText(fetched, 'Status')).toBe('1');
      const properties = child(fetched, 'Properties')!;
      expect(childText(properties, 'ContentType')).toBe('application/pdf');
      expect(Buffer.from(childText(properties, 'Data')!, 'base64').equals(report)).toBe(true);
      expect(childText(await fetchAttachment(hugeReference!), 'Status')).toBe('11');

      const getAttachment = (reference: string, version?: string) =>
        phone(account, client.options.deviceId, version).command('GetAttachment', undefined, {
          query: { AttachmentName: reference },
        });
      const raw = await getAttachment(reportReference!);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/pdf');
      expect(raw.bytes.equals(report)).toBe(true);
      expect((await getAttachment(reportReference!, '14.0')).bytes.equals(report)).toBe(true);
      expect((await getAttachment(hugeReference!)).status).toBe(413);
      expect((await getAttachment(reportReference!, '16.1')).status).toBe(400);

      // Another account holding the reference (or a guess at one) gets nothing of these bytes.
      const other = await newAccount();
      const stranger = phone(other);
      await folderSync(stranger, '0');
      const foreign = await stranger.command('GetAttachment', undefined, {
        query: { AttachmentName: reportReference! },
      });
      expect(foreign.status).toBe(500);
      expect(foreign.bytes.includes(report.subarray(0, 64))).toBe(false);
      const foreignFetch = await fetchAttachment(reportReference!, stranger);
      expect(childText(foreignFetch, 'Status')).toBe('6');
      expect(child(foreignFetch, 'Properties')).toBeUndefined();
      expect((await getAttachment('not-a-reference')).status).toBe(500);
    });

    it('moves a message between folders without echoing the move back', async () => {
      const { account, client, inbox, key } = await primedPhone();
      const id = deliverPlain(account, 'move me', 'x');
      const got = collectionOf((await sync(client, inbox, key)).body);
      const projects = mailbox.folderId(account.accountId, 'Projects');
      const projectsStart = collectionOf((await sync(client, projects, '0')).body);
      const moved = await client.command('MoveItems', easRequests.moveItem(id, inbox, projects));
      const response = child(moved.body!, 'Response')!;
      expect(childText(response, 'Status')).toBe('3');
      expect(Object.keys(mailbox.emails.get(account.accountId)!.get(id)!.mailboxIds)).toEqual([projects]);
      expect(
        child(collectionOf((await sync(client, inbox, childText(got, 'SyncKey')!)).body), 'Commands'),
      ).toBeUndefined();
      expect(
        child(
          collectionOf((await sync(client, projects, childText(projectsStart, 'SyncKey')!)).body),
          'Commands',
        ),
      ).toBeUndefined();
      const stranger = await client.command('MoveItems', easRequests.moveItem('M-unknown', inbox, projects));
      expect(childText(child(stranger.body!, 'Response')!, 'Status')).toBe('1');
      // The message is held in Projects now: 2 for a destination that is no folder, 4 for its own folder.
      const nowhere = await client.command('MoveItems', easRequests.moveItem(id, projects, 'no-such-folder'));
      expect(childText(child(nowhere.body!, 'Response')!, 'Status')).toBe('2');
      const same = await client.command('MoveItems', easRequests.moveItem(id, projects, projects));
      expect(childText(child(same.body!, 'Response')!, 'Status')).toBe('4');
      expect(Object.keys(mailbox.emails.get(account.accountId)!.get(id)!.mailboxIds)).toEqual([projects]);
    });

    it('creates, renames and deletes a folder, each moving the FolderSync key', async () => {
      const { account, client, folderKey } = await primedPhone();
      const created = await client.command(
        'FolderCreate',
        easRequests.folderCreate(folderKey, { parentId: '0', displayName: 'Receipts', type: '12' }),
      );
      expect(statusOf(created.body)).toBe('1');
      const serverId = childText(created.body!, 'ServerId')!;
      expect(mailbox.mailboxes.get(account.accountId)!.get(serverId)?.name).toBe('Receipts');
      const renamed = await client.command(
        'FolderUpdate',
        easRequests.folderUpdate(childText(created.body!, 'SyncKey')!, serverId, {
          parentId: '0',
          displayName: 'Bills',
        }),
      );
      expect(statusOf(renamed.body)).toBe('1');
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      const key = childText(renamed.body!, 'SyncKey')!;
      const statusOfCommand = async (command: string, body: WbxmlElement) =>
        statusOf((await client.command(command, body)).body);
      // FolderUpdate's 2 is "exists or special folder"; its 3 is only the Recipient information cache.
      expect(
        await statusOfCommand(
          'FolderUpdate',
          easRequests.folderUpdate(key, inbox, { parentId: '0', displayName: 'Not the inbox' }),
        ),
      ).toBe('2');
      expect(
        await statusOfCommand(
          'FolderCreate',
          easRequests.folderCreate(key, { parentId: '0', displayName: 'Bills', type: '12' }),
        ),
      ).toBe('2');
      expect(
        await statusOfCommand(
          'FolderCreate',
          easRequests.folderCreate(key, { parentId: 'no-such-folder', displayName: 'Orphan', type: '12' }),
        ),
      ).toBe('5');
      // pushmail keeps no calendars or contacts: 10, which a phone does not retry, never 6.
      for (const type of ['8', '9', '13', '14']) {
        expect(
          await statusOfCommand(
            'FolderCreate',
            easRequests.folderCreate(key, { parentId: '0', displayName: `Type ${type}`, type }),
          ),
        ).toBe('10');
      }
      expect(
        [...mailbox.mailboxes.get(account.accountId)!.values()].some((box) => box.name.startsWith('Type ')),
      ).toBe(false);
      expect(
        await statusOfCommand(
          'FolderUpdate',
          easRequests.folderUpdate(key, 'no-such-folder', { parentId: '0', displayName: 'x' }),
        ),
      ).toBe('4');
      expect(await statusOfCommand('FolderDelete', easRequests.folderDelete(key, inbox))).toBe('3');
      const deleted = await client.command('FolderDelete', easRequests.folderDelete(key, serverId));
      expect(statusOf(deleted.body)).toBe('1');
      const gone = await client.command(
        'FolderDelete',
        easRequests.folderDelete(childText(deleted.body!, 'SyncKey')!, serverId),
      );
      expect(statusOf(gone.body)).toBe('4');
      const next = await folderSync(
        client,
        childText(gone.body!, 'SyncKey') ?? childText(deleted.body!, 'SyncKey')!,
      );
      expect(childText(child(next.body!, 'Changes')!, 'Count')).toBe('0');
    });

    it('searches the mailbox by text', async () => {
      const { account, client } = await primedPhone();
      deliverPlain(account, 'Quarterly invoice', 'pay');
      deliverPlain(account, 'Lunch', 'soup');
      const answer = await client.command('Search', easRequests.searchMailbox('invoice', '0-9'));
      const store = child(child(answer.body!, 'Response')!, 'Store')!;
      expect(childText(store, 'Status')).toBe('1');
      expect(childText(store, 'Total')).toBe('1');
      expect(childText(child(child(store, 'Result')!, 'Properties')!, 'Subject')).toBe('Quarterly invoice');
    });

    it('finds mail by free text for a 16.1 phone, and refuses an address-book Find', async () => {
      const account = await newAccount();
      const client = phone(account, undefined, '16.1');
      await folderSync(client, '0');
      const inbox = mailbox.folderId(account.accountId, 'inbox');
      deliverTo(account, {
        subject: 'Quarterly invoice',
        from: 'billing@x.y',
        text: 'pay',
      });
      deliverTo(account, {
        subject: 'Lunch',
        from: 'bob@x.y',
        text: 'noon',
      });
      const find = (criterion: WbxmlElement) =>
        client.command(
          'Find',
          el('Find', 'Find', el('Find', 'SearchId', randomUUID()), el('Find', 'ExecuteSearch', criterion)),
        );
      const answer = await find(
        el(
          'Find',
          'MailBoxSearchCriterion',
          el(
            'Find',
            'Query',
            el('AirSync', 'Class', 'Email'),
            el('AirSync', 'CollectionId', inbox),
            el('Find', 'FreeText', 'invoice'),
          ),
          el('Find', 'Options', el('Find', 'Range', '0-9')),
        ),
      );
      expect(statusOf(answer.body)).toBe('1');
      const response = child(answer.body!, 'Response')!;
      expect([
        childText(response, 'Status'),
        childText(response, 'Total'),
        childText(response, 'Range'),
      ]).toEqual(['1', '1', '0-0']);
      const properties = child(child(response, 'Result')!, 'Properties')!;
      expect([
        childText(properties, 'Subject'),
        childText(properties, 'From'),
        childText(properties, 'Read'),
      ]).toEqual(['Quarterly invoice', 'billing@x.y', '0']);
      const gal = await find(
        el('Find', 'GalSearchCriterion', el('Find', 'Query', el('Find', 'FreeText', 'bob'))),
      );
      expect(statusOf(gal.body)).toBe('2');
    });

    it('resolves the account itself and hosted addresses, checks certificates, and refuses meeting responses plainly', async () => {
      const { account, client } = await primedPhone();
      const other = await newAccount();
      const resolved = await client.command(
        'ResolveRecipients',
        el(
          'ResolveRecipients',
          'ResolveRecipients',
          ...[
            account.address.toUpperCase(),
            account.address.split('@')[0]!,
            other.address,
            other.address.slice(0, 6),
            'nobody@nowhere.example',
          ].map((to) => el('ResolveRecipients', 'To', to)),
        ),
      );
      expect(statusOf(resolved.body)).toBe('1');
      const answers = children(resolved.body!, 'Response').map((response) => [
        childText(response, 'Status'),
        childText(child(response, 'Recipient') ?? el('ResolveRecipients', 'Recipient'), 'EmailAddress'),
      ]);
      expect(answers).toEqual([
        ['1', account.address],
        ['1', account.address],
        ['1', other.address],
        ['4', undefined],
        ['4', undefined],
      ]);

      const validated = await client.command(
        'ValidateCert',
        easRequests.validateCert(
          [TEST_CERTIFICATES.signer, 'bm90IGEgY2VydGlmaWNhdGU='],
          [TEST_CERTIFICATES.intermediate, TEST_CERTIFICATES.root],
        ),
      );
      expect(statusOf(validated.body)).toBe('1');
      // The test root is nobody's trusted root; the second is no certificate at all.
      expect(
        children(validated.body!, 'Certificate').map((certificate) => childText(certificate, 'Status')),
      ).toEqual(['4', '5']);
      expect(statusOf((await client.command('ValidateCert', el('ValidateCert', 'ValidateCert'))).body)).toBe(
        '2',
      );

      const meeting = await client.command('MeetingResponse', easRequests.meetingResponse('m1'));
      const result = child(meeting.body!, 'Result')!;
      expect([childText(result, 'RequestId'), childText(result, 'Status')]).toEqual(['m1', '2']);
      // A MeetingResponse naming no request is malformed: 2 (not retried), never 4 (server error, retried).
      const empty = await client.command('MeetingResponse', el('MeetingResponse', 'MeetingResponse'));
      expect(childText(child(empty.body!, 'Result')!, 'Status')).toBe('2');
    });

    it('refuses a message it cannot send with the ComposeMail Status that says why, before sending anything', async () => {
      const { account, client, inbox } = await primedPhone();
      const other = await newAccount();
      const [theirs = '', mine = ''] = [other, account].map((owner) => deliverPlain(owner, 'original', 't'));
      const clientId = () => randomBytes(6).toString('hex');
      const mime = 'To: b@x.y\r\nSubject: x\r\n\r\nbody';
      const sendMail = (mail: ComposedMail) => client.command('SendMail', easRequests.sendMail(mail));
      const smartReply = (source?: ComposeSource) =>
        client.command('SmartReply', easRequests.smartReply({ clientId: clientId(), source, mime }));
      const smartForward = (source: ComposeSource) =>
        client.command('SmartForward', easRequests.smartForward({ clientId: clientId(), source, mime }));
      const cases: Array<[string, Promise<{ status: number; body: WbxmlElement | undefined }>, string]> = [
        ['no ClientId', sendMail({ mime }), '103'],
        ['no message', sendMail({ clientId: clientId() }), '107'],
        ['not a message', sendMail({ clientId: clientId(), mime: 'no header here\r\n\r\nx' }), '107'],
        [
          'too large',
          sendMail({ clientId: clientId(), mime: `Subject: big\r\n\r\n${'x'.repeat(40_000)}` }),
          '122',
        ],
        ['a reply without Source', smartReply(), '103'],
        ['both ItemId and LongId', smartReply({ folderId: inbox, itemId: mine, longId: mine }), '105'],
        ["another account's message", smartForward({ longId: theirs }), '150'],
        ['a message in another folder', smartReply({ folderId: 'elsewhere', itemId: mine }), '150'],
      ];
      for (const [what, answer, status] of cases) {
        const { status: http, body } = await answer;
        expect(http, what).toBe(200);
        expect(statusOf(body), what).toBe(status);
      }
      expect([...mailbox.emails.get(account.accountId)!.keys()]).toEqual([mine]);
    });
  });

  describe('Ping', () => {
    const ping = (
      client: EasClient,
      heartbeat: number | undefined,
      folders: string[] | undefined,
      signal?: AbortSignal,
    ) =>
      client.command(
        'Ping',
        heartbeat === undefined && folders === undefined
          ? undefined
          : el(
              'Ping',
              'Ping',
              heartbeat !== undefined && el('Ping', 'HeartbeatInterval', String(heartbeat)),
              folders &&
                el(
                  'Ping',
                  'Folders',
                  ...folders.map((id) =>
                    el('Ping', 'Folder', el('Ping', 'Id', id), el('Ping', 'Class', 'Email')),
                  ),
                ),
            ),
        signal ? { signal } : {},
      );

    const announce = (accountId: string) =>
      producer.publish(mailboxChangedTopic, [
        {
          eventId: randomUUID(),
          accountId,
          state: mailbox.state(accountId),
          changed: { Email: `e${mailbox.state(accountId)}` },
          cause: 'delivery',
          createdEmailIds: [],
          occurredAt: new Date().toISOString(),
          acceptedAt: new Date().toISOString(),
        },
      ]);

    /** The Email state as mailbox announces it after a delivery: the one its JMAP answers carry. */
    const announceState = (accountId: string, extra: Partial<MailboxChangedV1> = {}) =>
      producer.publish(mailboxChangedTopic, [
        {
          eventId: randomUUID(),
          accountId,
          state: mailbox.state(accountId),
          changed: { Email: mailbox.state(accountId) },
          cause: 'delivery',
          createdEmailIds: [],
          occurredAt: new Date().toISOString(),
          ...extra,
        },
      ]);

    it('returns Status 2 with the folder the moment its mail changes, and Status 1 at the heartbeat', async () => {
      const { account, client, inbox } = await syncedPhone();
      expect(statusOf((await ping(client, 1, [inbox])).body)).toBe('1');
      const parked = ping(client, 300, [inbox]);
      await parkedPings();
      deliverPlain(account, 'new');
      await announce(account.accountId);
      const answer = await parked;
      expect(statusOf(answer.body)).toBe('2');
      expect(children(child(answer.body!, 'Folders')!, 'Folder').map((folder) => textOf(folder))).toEqual([
        inbox,
      ]);
    });

    it('parks the Ping after a Sync on the Email state last announced, asking mailbox nothing, and wakes it at the next change', async () => {
      const { account, client, inbox, key } = await syncedPhone();
      const first = ping(client, 300, [inbox]);
      await parkedPings();
      deliverPlain(account, 'first');
      await announceState(account.accountId);
      // Woken: the gateway has consumed the announcement.
      expect(statusOf((await first).body)).toBe('2');
      const synced = await sync(client, inbox, key);
      expect(subjectsOf(synced.body)).toEqual(['first']);

      const since = mailbox.requests.length;
      const second = ping(client, 300, [inbox]);
      await parkedPings();
      expect(
        mailbox.requests.slice(since).filter((request) => request.accountId === account.accountId),
      ).toEqual([]);
      deliverPlain(account, 'second');
      await announceState(account.accountId);
      const woken = await second;
      expect(statusOf(woken.body)).toBe('2');
      expect(children(child(woken.body!, 'Folders')!, 'Folder').map((folder) => textOf(folder))).toEqual([
        inbox,
      ]);
    });

    it('answers a Ping woken by a delivery to its folder from the announcement, asking mailbox nothing', async () => {
      const { account, client, inbox } = await syncedPhone();
      const parked = ping(client, 300, [inbox]);
      await parkedPings();
      const since = mailbox.requests.length;
      deliverPlain(account, 'new');
      await announceState(account.accountId, { createdInMailboxIds: [inbox] });
      const answer = await parked;
      expect(statusOf(answer.body)).toBe('2');
      expect(children(child(answer.body!, 'Folders')!, 'Folder').map((folder) => textOf(folder))).toEqual([
        inbox,
      ]);
      expect(
        mailbox.requests.slice(since).filter((request) => request.accountId === account.accountId),
      ).toEqual([]);
    });

    it('answers a heartbeat out of bounds Status 5 with the bound, and an empty Ping reuses the last folders', async () => {
      const { account, client, inbox } = await syncedPhone();
      const low = await ping(client, 0, [inbox]);
      expect(statusOf(low.body)).toBe('5');
      expect(childText(low.body!, 'HeartbeatInterval')).toBe('1');
      expect(childText((await ping(client, 5000, [inbox])).body!, 'HeartbeatInterval')).toBe('600');
      expect(statusOf((await ping(phone(account), undefined, undefined)).body)).toBe('3');
      expect(statusOf((await ping(client, 1, [inbox])).body)).toBe('1');
      deliverPlain(account, 'new');
      // Already changed when it arrives: answered at once, with the remembered folders.
      const empty = await ping(client, undefined, undefined);
      expect(statusOf(empty.body)).toBe('2');
    });

    const heldSync = (client: EasClient, inbox: string, key: string, ...top: WbxmlElement[]) =>
      sync(client, inbox, key, [], top);
    const subjectsOf = (body: WbxmlElement | undefined) =>
      children(child(collectionOf(body), 'Commands') ?? el('AirSync', 'Commands'), 'Add').map((add) =>
        childText(child(add, 'ApplicationData')!, 'Subject'),
      );

    it('repeats the last Sync for an empty one, at the key the phone holds now, and answers Status 13 with none to repeat', async () => {
      const fresh = phone(await newAccount());
      await folderSync(fresh, '0');
      expect(statusOf((await fresh.command('Sync')).body)).toBe('13');

      const { account, client, key } = await syncedPhone();
      deliverPlain(account, 'again', 'x');
      const repeated = await client.command('Sync');
      expect(repeated.status).toBe(200);
      expect(childText(collectionOf(repeated.body), 'Status')).toBe('1');
      expect(childText(collectionOf(repeated.body), 'SyncKey')).not.toBe(key);
      expect(subjectsOf(repeated.body)).toEqual(['again']);
    });

    it('writes the kept request only when more than its keys changed', async () => {
      const { account, client, inbox, key } = await syncedPhone();
      const dataSource = gateway.app!.get(DataSource);
      const version = async () =>
        (
          (await dataSource.query(
            `SELECT xmin::text AS version FROM activesync.sync_requests WHERE account_id = $1`,
            [account.accountId],
          )) as Array<{ version: string }>
        )[0]?.version;
      const kept = await version();
      expect(kept).toBeDefined();
      deliverPlain(account, 'moved', 'x');
      const moved = await sync(client, inbox, key);
      expect(subjectsOf(moved.body)).toEqual(['moved']);
      expect(await version()).toBe(kept);
      await sync(
        client,
        inbox,
        childText(collectionOf(moved.body), 'SyncKey')!,
        [],
        [el('AirSync', 'WindowSize', '7')],
      );
      expect(await version()).not.toBe(kept);
    });

    it('takes the collections a Partial Sync leaves out at the keys the phone holds now, not at the keys of the last request', async () => {
      const { account, client, inbox, key } = await syncedPhone();
      deliverPlain(account, 'one', 'x');
      const first = await sync(client, inbox, key);
      expect(subjectsOf(first.body)).toEqual(['one']);
      deliverPlain(account, 'two', 'x');
      // Only what differs: nothing. The Inbox is the last request's, at the key the last answer gave.
      const partial = await client.command('Sync', el('AirSync', 'Sync', el('AirSync', 'Partial')));
      expect(childText(collectionOf(partial.body), 'Status')).toBe('1');
      expect(subjectsOf(partial.body)).toEqual(['two']);
    });

    it('holds a Sync with HeartbeatInterval until mail arrives, answers empty when it passes, and bounds it', async () => {
      const { account, client, inbox, key } = await syncedPhone();
      const startedAt = Date.now();
      const quiet = await heldSync(client, inbox, key, el('AirSync', 'HeartbeatInterval', '1'));
      expect(quiet.status).toBe(200);
      expect(quiet.body).toBeUndefined();
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);

      const held = heldSync(client, inbox, key, el('AirSync', 'HeartbeatInterval', '300'));
      await parkedPings();
      deliverPlain(account, 'woken', 'x');
      const deliveredAt = Date.now();
      await announce(account.accountId);
      const answer = await held;
      expect(Date.now() - deliveredAt).toBeLessThan(5000);
      expect(subjectsOf(answer.body)).toEqual(['woken']);

      const high = await heldSync(
        client,
        inbox,
        childText(collectionOf(answer.body), 'SyncKey')!,
        el('AirSync', 'HeartbeatInterval', '5000'),
      );
      expect(statusOf(high.body)).toBe('14');
      expect(childText(high.body!, 'Limit')).toBe('600');
      const both = await heldSync(
        client,
        inbox,
        key,
        el('AirSync', 'Wait', '1'),
        el('AirSync', 'HeartbeatInterval', '60'),
      );
      expect(statusOf(both.body)).toBe('4');
    });

    it('ends a parked Ping when the same device sends a second one', async () => {
      const { client, inbox } = await syncedPhone();
      const first = ping(client, 300, [inbox]);
      await parkedPings();
      const second = ping(client, 1, [inbox]);
      expect(statusOf((await first).body)).toBe('1');
      expect(statusOf((await second).body)).toBe('1');
    });

    it('ends a parked Ping the moment its device goes away, and keeps nothing of it', async () => {
      const { client, inbox } = await syncedPhone();
      const metric = async (pattern: RegExp) =>
        Number(pattern.exec(await (await fetch(`${baseUrl}/metrics`)).text())?.[1] ?? 0);
      const endedGone = () => metric(/pushmail_activesync_ping_ends_total\{reason="gone"\} (\d+)/);
      const held = () => metric(/pushmail_activesync_parked_pings (\d+)/);
      const before = await endedGone();
      const heldBefore = await held();
      const leaving = new AbortController();
      const parked = ping(client, 300, [inbox], leaving.signal).catch((error: unknown) => error);
      await expectEventually(async () => expect(await held()).toBe(heldBefore + 1));
      leaving.abort();
      expect(await parked).toBeInstanceOf(Error);
      await expectEventually(async () => expect(await endedGone()).toBe(before + 1));
      // Released, not only counted: out of the registry, so its device's next Ping parks alone.
      expect(await held()).toBe(heldBefore);
    });

    it('ends a parked Ping when the same device sends a second one to another replica', async () => {
      const { account, client, inbox } = await syncedPhone();
      const replicaUrl = await gateway.startReplica();
      const first = ping(client, 300, [inbox]);
      await parkedPings();
      const second = ping(gateway.phone(account, client.options.deviceId, '14.1', replicaUrl), 300, [inbox]);
      expect(statusOf((await first).body)).toBe('1');
      // The second is the one held now, on the other replica: the next mail answers it.
      deliverPlain(account, 'new');
      await announce(account.accountId);
      expect(statusOf((await second).body)).toBe('2');
    });

    it('ends a parked Ping within a second of a block, answering Status 129', async () => {
      const { account, client, inbox } = await syncedPhone();
      const parked = ping(client, 300, [inbox]);
      await parkedPings();
      const blockedAt = Date.now();
      await registry.change(
        account,
        (changed) => (changed.devices.get(client.options.deviceId)!.access = 'blocked'),
      );
      expect(statusOf((await parked).body)).toBe('129');
      expect(Date.now() - blockedAt).toBeLessThan(5000);
    });
  });
});
