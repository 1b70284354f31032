import { randomBytes } from 'node:crypto';
import { child, childText, children, el, encodeWbxml, type WbxmlElement } from '@pushmail/activesync';
import {
  easRequests,
  expectEventually,
  syncCollectionOf,
  type EasClient,
  type EasResponse,
} from '@pushmail/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayPerSuite } from './testing/gateway-harness.js';
import type { FakeAccount } from './testing/fake-registry.js';

const MAX_REQUEST_BYTES = 65_536;

const statusOf = (body: WbxmlElement | undefined) => (body ? childText(body, 'Status') : undefined);
const collectionOf = (body: WbxmlElement | undefined) => syncCollectionOf(body)!;

/** A small deterministic generator, so a failing byte string can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Hostile input against the gateway: whatever a client sends gets a status or an HTTP error, the
 * service keeps answering, and no answer carries another account's data.
 */
describe('ActiveSync hostile input', () => {
  const gateway = gatewayPerSuite('eas-hostile', {
    ACTIVESYNC_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
  });
  const { mailbox, registry } = gateway;
  let baseUrl: string;
  /** Every answer the gateway gave in this file, checked for the victim's secrets. */
  const answers: Buffer[] = [];

  const phone = (account: FakeAccount, deviceId?: string) => gateway.phone(account, deviceId);
  const newAccount = () => gateway.newAccount();

  const send = async (client: EasClient, cmd: string, body?: WbxmlElement): Promise<EasResponse> => {
    const answer = await client.command(cmd, body);
    answers.push(answer.bytes);
    return answer;
  };

  /** POSTs raw bytes as `client`'s device; answers the HTTP status and the body. */
  const raw = async (client: EasClient, cmd: string, bytes: Uint8Array) => {
    const answer = await client.command(cmd, bytes);
    answers.push(answer.bytes);
    return { status: answer.status, body: answer.bytes };
  };

  const folderSync = (client: EasClient, key: string) =>
    send(client, 'FolderSync', easRequests.folderSync(key));

  const syncDocument = (collectionId: string, key: string, ...extra: WbxmlElement[]) =>
    easRequests.sync(collectionId, key, ...extra);

  const sync = (client: EasClient, collectionId: string, key: string, ...extra: WbxmlElement[]) =>
    send(client, 'Sync', syncDocument(collectionId, key, ...extra));

  /** An account with a device that has synced its Inbox once, and one secret message in it. */
  const synced = async (secret: string) => {
    const account = await newAccount();
    const client = phone(account);
    const hierarchy = await folderSync(client, '0');
    const inbox = mailbox.folderId(account.accountId, 'inbox');
    const messageId = mailbox.deliver(account.accountId, {
      subject: `${secret} subject`,
      from: 'bank@example.com',
      to: account.address,
      text: `${secret} body`,
    });
    const start = collectionOf((await sync(client, inbox, '0')).body);
    const first = collectionOf((await sync(client, inbox, childText(start, 'SyncKey')!)).body);
    expect(children(child(first, 'Commands')!, 'Add')).toHaveLength(1);
    return {
      account,
      client,
      inbox,
      messageId,
      folderKey: childText(hierarchy.body!, 'SyncKey')!,
      key: childText(first, 'SyncKey')!,
    };
  };

  /** The victim: an account whose data no other account may see. */
  const victimSecret = `victim-${randomBytes(6).toString('hex')}`;
  let victim: Awaited<ReturnType<typeof synced>>;

  const expectHealthy = async () => {
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
  };

  beforeAll(async () => {
    baseUrl = gateway.baseUrl;
    victim = await synced(victimSecret);
    // The victim's own answers carry its secret; only what others receive is checked.
    answers.length = 0;
  });

  afterEach(async () => {
    await expectHealthy();
  });

  describe('malformed WBXML', () => {
    it('answers every truncation of a valid Sync document with 400 or a status, never a server error', async () => {
      const { client, inbox, key } = await synced(`own-${randomBytes(3).toString('hex')}`);
      const whole = encodeWbxml(
        syncDocument(
          inbox,
          key,
          el('AirSync', 'WindowSize', '5'),
          el('AirSync', 'Commands', el('AirSync', 'Delete', el('AirSync', 'ServerId', 'M-nothing'))),
        ),
      );
      const statuses = new Set<number>();
      for (let length = 1; length < whole.length; length += 1) {
        const { status } = await raw(client, 'Sync', whole.subarray(0, length));
        expect(status, `truncated at ${length} of ${whole.length}`).toBe(400);
        statuses.add(status);
      }
      expect([...statuses]).toEqual([400]);
    });

    it('answers random bytes, bad headers, bad string tables and bad opaque lengths with 400', async () => {
      const { client } = await synced(`own-${randomBytes(3).toString('hex')}`);
      const next = seeded(20_261_205);
      for (let round = 0; round < 60; round += 1) {
        const length = 1 + Math.floor(next() * 200);
        const bytes = new Uint8Array(length);
        for (let index = 0; index < length; index += 1) bytes[index] = Math.floor(next() * 256);
        // Half of them start like a real ActiveSync document, so the decoder gets past the header.
        if (round % 2 === 0 && length > 4) bytes.set([3, 1, 106, 0], 0);
        const { status } = await raw(client, 'FolderSync', bytes);
        expect(status, `round ${round}`).toBeGreaterThanOrEqual(400);
        expect(status, `round ${round}`).toBeLessThan(500);
      }
      const cases: Array<[string, number[]]> = [
        ['WBXML version 9', [9, 1, 106, 0, 0x45, 0x01]],
        ['charset multi-byte integer never ends', [3, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
        ['string table longer than the body', [3, 1, 106, 0x7f, 0x41]],
        ['opaque longer than the body', [3, 1, 106, 0, 7, 0x56, 0xc3, 0x7f, 1, 2, 1, 1]],
        ['inline string without its end', [3, 1, 106, 0, 7, 0x56, 0x03, 0x41, 0x42]],
        ['END without an open element', [3, 1, 106, 0, 0x01]],
        ['text before any element', [3, 1, 106, 0, 0x03, 0x41, 0x00]],
        ['two root elements', [3, 1, 106, 0, 7, 0x16, 0x16]],
      ];
      for (const [label, bytes] of cases) {
        const { status, body } = await raw(client, 'FolderSync', new Uint8Array(bytes));
        expect(status, label).toBe(400);
        expect(body.toString('utf8'), label).toMatch(/WBXML|FolderSync/);
      }
    });

    it('answers unknown code pages, unknown tokens and a root of the wrong command with 400', async () => {
      const { client } = await synced(`own-${randomBytes(3).toString('hex')}`);
      const cases: Array<[string, string, number[]]> = [
        ['switch to code page 99', 'Sync', [3, 1, 106, 0, 0x00, 99, 0x45, 0x01]],
        [
          'switch to code page 255 inside a document',
          'Sync',
          [3, 1, 106, 0, 0x45, 0x00, 0xff, 0x05, 0x01, 0x01],
        ],
        ['token 0x3f on AirSync', 'Sync', [3, 1, 106, 0, 0x7f, 0x01]],
        ['attribute start (never used by ActiveSync)', 'Sync', [3, 1, 106, 0, 0xc5, 0x01, 0x01]],
        ['entity', 'Sync', [3, 1, 106, 0, 0x45, 0x02, 0x41, 0x01]],
        ['processing instruction', 'Sync', [3, 1, 106, 0, 0x43, 0x01]],
        ['extension token', 'Sync', [3, 1, 106, 0, 0x45, 0x40, 0x41, 0x00, 0x01]],
        ['string table reference', 'Sync', [3, 1, 106, 1, 0x41, 0x45, 0x83, 0x00, 0x01]],
      ];
      for (const [label, cmd, bytes] of cases) {
        const { status } = await raw(client, cmd, new Uint8Array(bytes));
        expect(status, label).toBe(400);
      }
      // A well-formed document of another command: Ping's root sent as a Sync.
      const wrongRoot = await raw(
        client,
        'Sync',
        encodeWbxml(el('Ping', 'Ping', el('Ping', 'HeartbeatInterval', '60'))),
      );
      expect(wrongRoot.status).toBe(400);
      expect(wrongRoot.body.toString('utf8')).toContain('AirSync:Sync');
      // Nested past the decoder's depth limit: one open element after another, then the ends.
      const deep = new Uint8Array(4 + 2 * 5000);
      deep.set([3, 1, 106, 0], 0);
      deep.fill(0x45, 4, 4 + 5000);
      deep.fill(0x01, 4 + 5000);
      expect((await raw(client, 'Sync', deep)).status).toBe(400);
      // A command the protocol does not have is refused by the request parser.
      expect((await raw(client, 'FormatDisk', new Uint8Array([3, 1, 106, 0]))).status).toBe(400);
    });

    it('answers well-formed documents of the wrong shape with a protocol status, not a server error', async () => {
      const { client, inbox, key } = await synced(`own-${randomBytes(3).toString('hex')}`);
      const documents: Array<[string, WbxmlElement]> = [
        ['Sync without Collections', el('AirSync', 'Sync')],
        [
          'Sync Collection without SyncKey',
          el(
            'AirSync',
            'Sync',
            el('AirSync', 'Collections', el('AirSync', 'Collection', el('AirSync', 'CollectionId', inbox))),
          ),
        ],
        ['Sync with a WindowSize of letters', syncDocument(inbox, key, el('AirSync', 'WindowSize', 'lots'))],
        ['Sync with a negative WindowSize', syncDocument(inbox, key, el('AirSync', 'WindowSize', '-5'))],
        [
          'Sync Change without ServerId',
          syncDocument(
            inbox,
            key,
            el(
              'AirSync',
              'Commands',
              el('AirSync', 'Change', el('AirSync', 'ApplicationData', el('Email', 'Read', '1'))),
            ),
          ),
        ],
        ['Sync with a 10 kB CollectionId', syncDocument('x'.repeat(10_000), '0')],
        ['FolderSync without SyncKey', el('FolderHierarchy', 'FolderSync')],
        ['Ping with a heartbeat of letters', el('Ping', 'Ping', el('Ping', 'HeartbeatInterval', 'soon'))],
        [
          'Ping with a Folder without Id',
          el(
            'Ping',
            'Ping',
            el('Ping', 'HeartbeatInterval', '60'),
            el('Ping', 'Folders', el('Ping', 'Folder', el('Ping', 'Class', 'Email'))),
          ),
        ],
        ['GetItemEstimate without Collections', el('GetItemEstimate', 'GetItemEstimate')],
        [
          'ItemOperations Fetch without ServerId',
          el(
            'ItemOperations',
            'ItemOperations',
            el('ItemOperations', 'Fetch', el('ItemOperations', 'Store', 'Mailbox')),
          ),
        ],
        [
          'MoveItems Move without SrcMsgId',
          el('Move', 'MoveItems', el('Move', 'Move', el('Move', 'SrcFldId', inbox))),
        ],
        [
          'Settings with an unknown request',
          el('Settings', 'Settings', el('Settings', 'Oof', el('Settings', 'Set'))),
        ],
      ];
      const commandOf: Record<string, string> = {
        Sync: 'Sync',
        FolderSync: 'FolderSync',
        Ping: 'Ping',
        GetItemEstimate: 'GetItemEstimate',
        ItemOperations: 'ItemOperations',
        MoveItems: 'MoveItems',
        Settings: 'Settings',
      };
      for (const [label, document] of documents) {
        const answer = await send(client, commandOf[document.tag]!, document);
        expect(answer.status, label).toBeLessThan(500);
        if (answer.status === 200) expect(answer.body, label).toBeDefined();
      }
    });

    it('refuses an oversize body with 413, whether it says its length or streams it', async () => {
      const { client } = await synced(`own-${randomBytes(3).toString('hex')}`);
      const declared = await raw(client, 'Sync', new Uint8Array(MAX_REQUEST_BYTES + 1));
      expect(declared.status).toBe(413);
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let index = 0; index < 40; index += 1) controller.enqueue(new Uint8Array(4096));
          controller.close();
        },
      });
      const query = new URLSearchParams({
        Cmd: 'Sync',
        User: client.options.address,
        DeviceId: client.options.deviceId,
        DeviceType: 'iPhone',
      });
      const streamed = await fetch(`${baseUrl}/Microsoft-Server-ActiveSync?${query}`, {
        method: 'POST',
        headers: { authorization: client.authorization, 'ms-asprotocolversion': '14.1' },
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);
      const hugeQuery = await fetch(
        `${baseUrl}/Microsoft-Server-ActiveSync?Cmd=Sync&User=a&DeviceId=${'d'.repeat(5000)}&DeviceType=iPhone`,
        { method: 'POST', headers: { authorization: client.authorization, 'ms-asprotocolversion': '14.1' } },
      );
      expect(hugeQuery.status).toBeGreaterThanOrEqual(400);
      expect(hugeQuery.status).toBeLessThan(500);
    });
  });

  describe('keys and ids that are not the device’s own', () => {
    it('answers a SyncKey of another device of the same account Status 3, and of another collection Status 3', async () => {
      const own = await synced(`own-${randomBytes(3).toString('hex')}`);
      const second = phone(own.account);
      await folderSync(second, '0');
      expect(statusOf(collectionOf((await sync(second, own.inbox, own.key)).body))).toBe('3');
      const projects = mailbox.folderId(own.account.accountId, 'Projects');
      const projectsStart = collectionOf((await sync(own.client, projects, '0')).body);
      expect(statusOf(projectsStart)).toBe('1');
      // The Inbox key offered for Projects, and the Projects key for the Inbox.
      expect(statusOf(collectionOf((await sync(own.client, projects, own.key)).body))).toBe('3');
      const crossed = collectionOf(
        (await sync(own.client, own.inbox, childText(projectsStart, 'SyncKey')!)).body,
      );
      expect(statusOf(crossed)).toBe('3');
      // FolderSync: the key of another device is unknown here.
      expect(statusOf((await folderSync(second, own.folderKey)).body)).toBe('9');
    });

    it('never lets another account’s device use the victim’s SyncKeys, folders or messages', async () => {
      const attacker = await synced(`attacker-${randomBytes(3).toString('hex')}`);
      const { client } = attacker;
      // The victim's SyncKey and collection.
      const foreignSync = await sync(client, victim.inbox, victim.key);
      expect(foreignSync.status).toBe(200);
      const foreignStatus = statusOf(foreignSync.body) ?? statusOf(collectionOf(foreignSync.body));
      expect(['3', '8', '12']).toContain(foreignStatus);
      const initial = await sync(client, victim.inbox, '0');
      const initialStatus = statusOf(initial.body) ?? statusOf(collectionOf(initial.body));
      expect(['8', '12']).toContain(initialStatus);
      // The victim's FolderSync key.
      expect(statusOf((await folderSync(client, victim.folderKey)).body)).toBe('9');
      // The victim's message, changed and deleted through the attacker's own Inbox.
      const changed = collectionOf(
        (
          await sync(
            client,
            attacker.inbox,
            attacker.key,
            el(
              'AirSync',
              'Commands',
              easRequests.change(victim.messageId, el('Email', 'Read', '1')),
              el('AirSync', 'Delete', el('AirSync', 'ServerId', victim.messageId)),
            ),
          )
        ).body,
      );
      const responses = child(changed, 'Responses')!;
      expect(children(responses, 'Change').map((response) => childText(response, 'Status'))).toEqual(['8']);
      expect(children(responses, 'Delete').map((response) => childText(response, 'Status'))).toEqual(['8']);
      const victimEmail = mailbox.emails.get(victim.account.accountId)!.get(victim.messageId)!;
      expect(victimEmail.keywords).toEqual({});
      expect(Object.keys(victimEmail.mailboxIds)).toEqual([victim.inbox]);
      // Fetch, through the victim's collection and through the attacker's.
      for (const collectionId of [victim.inbox, attacker.inbox]) {
        const fetched = await send(
          client,
          'ItemOperations',
          easRequests.messageFetch(collectionId, victim.messageId, '4'),
        );
        const fetch = child(child(fetched.body!, 'Response')!, 'Fetch')!;
        expect(childText(fetch, 'Status')).toBe('6');
      }
      // Move the victim's message into the attacker's folder, and the attacker's own into the victim's.
      const moveOf = (messageId: string, from: string, to: string) =>
        send(client, 'MoveItems', easRequests.moveItem(messageId, from, to));
      const stolen = await moveOf(victim.messageId, victim.inbox, attacker.inbox);
      expect(childText(child(stolen.body!, 'Response')!, 'Status')).not.toBe('3');
      const planted = await moveOf(attacker.messageId, attacker.inbox, victim.inbox);
      expect(childText(child(planted.body!, 'Response')!, 'Status')).not.toBe('3');
      expect(Object.keys(victimEmail.mailboxIds)).toEqual([victim.inbox]);
      expect(
        Object.keys(mailbox.emails.get(attacker.account.accountId)!.get(attacker.messageId)!.mailboxIds),
      ).toEqual([attacker.inbox]);
      // Estimate and Ping on the victim's collection.
      const estimate = await send(
        client,
        'GetItemEstimate',
        easRequests.getItemEstimate(victim.inbox, victim.key),
      );
      expect(childText(child(estimate.body!, 'Response')!, 'Status')).not.toBe('1');
      const pinged = await send(client, 'Ping', easRequests.ping(1, [victim.inbox]));
      expect(['4', '7']).toContain(statusOf(pinged.body));
      // Search finds nothing of the victim's.
      const searched = await send(client, 'Search', easRequests.searchMailbox(victimSecret, '0-9'));
      expect(searched.status).toBeLessThan(500);
    });

    it('gives Basic credentials of one account with the DeviceId of another account’s device a partnership of its own', async () => {
      const attacker = await newAccount();
      const impostor = phone(attacker, victim.client.options.deviceId);
      // The victim's keys mean nothing under the attacker's account, though the DeviceId is the same.
      expect(statusOf((await folderSync(impostor, victim.folderKey)).body)).toBe('9');
      const fresh = await folderSync(impostor, '0');
      expect(statusOf(fresh.body)).toBe('1');
      const folders = children(child(fresh.body!, 'Changes')!, 'Add').map((add) =>
        childText(add, 'ServerId'),
      );
      expect(folders).not.toContain(victim.inbox);
      expect(folders).toContain(mailbox.folderId(attacker.accountId, 'inbox'));
      const stolen = await sync(impostor, victim.inbox, victim.key);
      expect(['3', '8', '12']).toContain(statusOf(stolen.body) ?? statusOf(collectionOf(stolen.body)));
      // The victim's partnership is untouched: its own keys still work, and it is still one device.
      const next = collectionOf(
        (await victim.client.command('Sync', syncDocument(victim.inbox, victim.key))).body,
      );
      expect(statusOf(next)).toBe('1');
      victim.key = childText(next, 'SyncKey')!;
      const victimFolders = await victim.client.command(
        'FolderSync',
        el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', victim.folderKey)),
      );
      expect(statusOf(victimFolders.body)).toBe('1');
      const victimDevices = registry.accounts.get(victim.account.accountId)!.devices;
      expect([...victimDevices.keys()]).toEqual([victim.client.options.deviceId]);
      // The attacker's Ping under the same DeviceId does not end the victim's parked Ping.
      const victimParkedAt = Date.now();
      const victimPing = victim.client.command('Ping', easRequests.ping(3, [victim.inbox]));
      await expectEventually(async () =>
        expect(await (await fetch(`${baseUrl}/metrics`)).text()).toMatch(
          /pushmail_activesync_parked_pings [1-9]/,
        ),
      );
      const attackerInbox = mailbox.folderId(attacker.accountId, 'inbox');
      await sync(impostor, attackerInbox, '0');
      const attackerPing = await send(impostor, 'Ping', easRequests.ping(1, [attackerInbox]));
      expect(statusOf(attackerPing.body)).toBe('1');
      expect(statusOf((await victimPing).body)).toBe('1');
      // It ran to its own 3 s heartbeat rather than being ended by the other account's Ping.
      expect(Date.now() - victimParkedAt).toBeGreaterThanOrEqual(2900);
    });

    it('answers a quarantined phone that guesses a user folder’s ServerId as a folder outside its hierarchy, showing nothing of it', async () => {
      const account = await newAccount();
      const projects = mailbox.folderId(account.accountId, 'Projects');
      const secret = `hidden-${randomBytes(6).toString('hex')}`;
      mailbox.deliver(account.accountId, {
        subject: `${secret} subject`,
        from: 'b@example.com',
        to: account.address,
        text: `${secret} body`,
        mailbox: projects,
      });
      await registry.change(account, (changed) => (changed.newDeviceAccess = 'quarantined'));
      const client = phone(account);
      const own: EasResponse[] = [await folderSync(client, '0')];
      const ask = async (cmd: string, body: WbxmlElement) => {
        const answer = await send(client, cmd, body);
        own.push(answer);
        return answer;
      };
      const started = await ask('Sync', syncDocument(projects, '0'));
      const estimate = await ask('GetItemEstimate', easRequests.getItemEstimate(projects, '0'));
      const pinged = await ask('Ping', easRequests.ping(60, [projects]));
      expect([
        statusOf(collectionOf(started.body)),
        childText(child(estimate.body!, 'Response')!, 'Status'),
        statusOf(pinged.body),
      ]).toEqual(['12', '2', '7']);
      for (const answer of own) {
        expect(answer.bytes.includes(secret)).toBe(false);
        expect(answer.bytes.includes('Projects')).toBe(false);
      }
    });

    it('leaked nothing of the victim in any answer to another account', () => {
      expect(answers.length).toBeGreaterThan(100);
      const needles = [victimSecret, victim.account.address, victim.account.accountId];
      for (const answer of answers) {
        const text = answer.toString('latin1');
        for (const needle of needles) expect(text).not.toContain(needle);
      }
    });
  });

  it('still answers its health checks and a real command after all of it', async () => {
    await expectHealthy();
    const answer = await victim.client.command('Sync', syncDocument(victim.inbox, victim.key));
    expect(statusOf(collectionOf(answer.body))).toBe('1');
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/pushmail_activesync_commands_total\{command="Sync",status="http_400"\} [1-9]/);
  });
});
