import { CORE_CAPABILITY, DEVICE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { randomBytes, randomUUID } from 'node:crypto';
import { child, childText, children, el, textOf, type WbxmlElement } from '@pushmail/activesync';
import {
  EasClient,
  easRequests,
  expectEventually,
  provisionPolicyOf,
  sendMail,
  syncCollectionOf,
} from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { connectWhenKnown, deliver, newAccount, useSuitePlatform } from './support/e2e-platform.js';

/** A phone's mail app (an iPhone on 16.1): nothing but HTTP and WBXML against the gateway's public endpoints. */
const newPhone = (baseUrl: string, address: string, password: string, deviceId: string) =>
  new EasClient(baseUrl, {
    address,
    password,
    deviceId,
    version: '16.1',
    userAgent: 'Apple-iPhone15C2/2201.100',
  });

/** Both phases of Provision; answers the policy document the phone was given. */
const provision = async (phone: EasClient): Promise<WbxmlElement> => {
  const { first } = await phone.provision();
  return child(child(provisionPolicyOf(first.body)!, 'Data')!, 'EASProvisionDoc')!;
};

/** A Sync of one folder asking for plain-text bodies; answers its collection. */
const sync = async (phone: EasClient, collectionId: string, key: string, ...extra: WbxmlElement[]) =>
  syncCollectionOf((await phone.sync(collectionId, key, easRequests.bodyPreference('1'), ...extra)).body)!;

/** The phone's first FolderSync; answers its Inbox's ServerId. */
const inboxOf = async (phone: EasClient): Promise<string> => {
  const hierarchy = await phone.folderSync('0');
  const inbox = children(child(hierarchy.body!, 'Changes')!, 'Add').find(
    (add) => childText(add, 'Type') === '2',
  );
  return childText(inbox!, 'ServerId')!;
};

const USING = [CORE_CAPABILITY, MAIL_CAPABILITY, DEVICE_CAPABILITY];

const statusOf = (body: WbxmlElement | undefined) => (body ? childText(body, 'Status') : undefined);

describe('a phone on Exchange ActiveSync', () => {
  const suite = useSuitePlatform('activesync');
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${suite.platform.registryUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${suite.platform.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
    };
  };
  const parked = async () =>
    expectEventually(
      async () =>
        expect(await (await fetch(`${suite.platform.activesyncUrl}/metrics`)).text()).toMatch(
          /pushmail_activesync_parked_pings [1-9]/,
        ),
      { timeoutMs: 10_000 },
    );

  it('adds the account, provisions, syncs, and is pushed new mail; changes flow both ways with a JMAP device', async () => {
    const { accountId, address, password } = await newAccount(suite.registry, { prefix: 'eas' });
    await suite.registry.requirePin(accountId);

    const discovered = await fetch(`${suite.platform.activesyncUrl}/Autodiscover/Autodiscover.xml`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: `<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>`,
    });
    const url = /<Url>([^<]+)<\/Url>/.exec(await discovered.text())?.[1];
    expect(url).toBe(`${suite.platform.activesyncUrl}/Microsoft-Server-ActiveSync`);
    const options = await fetch(url!, { method: 'OPTIONS' });
    expect(options.headers.get('ms-asprotocolversions')).toContain('16.1');

    const phone = newPhone(suite.platform.activesyncUrl, address, password, `EAS${randomUUID().slice(0, 8)}`);
    expect(statusOf((await phone.folderSync('0')).body)).toBe('142');
    const doc = await provision(phone);
    expect(childText(doc, 'MinDevicePasswordLength')).toBe('6');
    expect(phone.policyKey).toMatch(/^[1-9]\d*$/);
    const settings = await phone.command(
      'Settings',
      easRequests.deviceInformation([
        ['Model', 'iPhone15,2'],
        ['OS', 'iOS 18.1'],
      ]),
    );
    expect(statusOf(settings.body)).toBe('1');
    await expectEventually(async () => {
      const device = await admin('GET', `/admin/accounts/${accountId}/devices/${phone.options.deviceId}`);
      expect(device.body).toMatchObject({ model: 'iPhone15,2', os: 'iOS 18.1', authMethod: 'password' });
    });

    const hierarchy = await phone.folderSync('0');
    expect(statusOf(hierarchy.body)).toBe('1');
    const inbox = children(child(hierarchy.body!, 'Changes')!, 'Add').find(
      (add) => childText(add, 'Type') === '2',
    )!;
    const inboxId = childText(inbox, 'ServerId')!;
    let key = childText(await sync(phone, inboxId, '0'), 'SyncKey')!;
    key = childText(await sync(phone, inboxId, key), 'SyncKey')!;

    const ping = phone.ping(600, [inboxId]);
    await parked();
    await deliver(suite.platform, address, 'Pushed to the phone', { text: 'Body of the pushed mail' });
    const woken = await ping;
    expect(statusOf(woken.body)).toBe('2');
    expect(children(child(woken.body!, 'Folders')!, 'Folder').map((folder) => textOf(folder))).toEqual([
      inboxId,
    ]);

    const got = await sync(phone, inboxId, key);
    const add = child(child(got, 'Commands')!, 'Add')!;
    const emailId = childText(add, 'ServerId')!;
    const data = child(add, 'ApplicationData')!;
    expect(childText(data, 'Subject')).toBe('Pushed to the phone');
    expect(childText(child(data, 'Body')!, 'Data')).toContain('Body of the pushed mail');
    key = childText(got, 'SyncKey')!;

    // The phone reads it; a JMAP device of the same account sees it read.
    const jmapDevice = await suite.registry.registerDevice(address, password, {
      deviceId: `jmap-${randomUUID().slice(0, 8)}`,
    });
    const jmap = await connectWhenKnown(suite.platform, jmapDevice.token);
    try {
      // The account's policy binds the JMAP device too.
      const acknowledged = await jmap.request(
        [['DevicePolicy/acknowledge', { accountId, version: 1 }, 'a']],
        USING,
      );
      expect(acknowledged[0]).toEqual([
        'DevicePolicy/acknowledge',
        expect.objectContaining({ acknowledged: true }),
        'a',
      ]);
      const read = await sync(
        phone,
        inboxId,
        key,
        el('AirSync', 'Commands', easRequests.change(emailId, el('Email', 'Read', '1'))),
      );
      key = childText(read, 'SyncKey')!;
      const answer = await jmap.request([
        ['Email/get', { accountId, ids: [emailId], properties: ['keywords'] }, 'g'],
      ]);
      expect(answer[0]).toMatchObject(['Email/get', { list: [{ keywords: { $seen: true } }] }, 'g']);

      // The JMAP device flags it; the parked Ping returns and the phone's Sync carries the flag.
      const flagPing = phone.ping(600, [inboxId]);
      await parked();
      await jmap.request([
        ['Email/set', { accountId, update: { [emailId]: { 'keywords/$flagged': true } } }, 's'],
      ]);
      expect(statusOf((await flagPing).body)).toBe('2');
      const flagged = await sync(phone, inboxId, key);
      const change = child(child(flagged, 'Commands')!, 'Change')!;
      expect(childText(child(child(change, 'ApplicationData')!, 'Flag')!, 'Status')).toBe('2');
    } finally {
      jmap.close();
    }

    // An administrator blocks the phone: its parked Ping ends with Status 129.
    const blockedPing = phone.ping(600, [inboxId]);
    await parked();
    expect(
      (
        await admin('PUT', `/admin/accounts/${accountId}/devices/${phone.options.deviceId}/access`, {
          access: 'blocked',
        })
      ).status,
    ).toBe(200);
    expect(statusOf((await blockedPing).body)).toBe('129');
  });

  it('sends from the phone through the submission path: delivered, kept in Sent, a retried ClientId not sent twice, the original quoted in a reply and attached to a forward', async () => {
    const alice = await newAccount(suite.registry, { prefix: 'eassend' });
    const bob = await newAccount(suite.registry, { prefix: 'easrcpt' });
    const sender = newPhone(
      suite.platform.activesyncUrl,
      alice.address,
      alice.password,
      `EAS${randomUUID().slice(0, 8)}`,
    );
    const receiver = newPhone(
      suite.platform.activesyncUrl,
      bob.address,
      bob.password,
      `EAS${randomUUID().slice(0, 8)}`,
    );
    const folderOf = async (phone: EasClient, type: string) => {
      const hierarchy = await phone.folderSync('0');
      const add = children(child(hierarchy.body!, 'Changes')!, 'Add').find(
        (folder) => childText(folder, 'Type') === type,
      );
      return childText(add!, 'ServerId')!;
    };
    /** Syncs the folder until a message with the subject arrives; its ServerId and body text. */
    const arrived = async (phone: EasClient, folderId: string, subject: string) => {
      let key = childText(await sync(phone, folderId, '0'), 'SyncKey')!;
      return expectEventually(
        async () => {
          const answer = await sync(phone, folderId, key);
          key = childText(answer, 'SyncKey') ?? key;
          const add = children(child(answer, 'Commands') ?? el('AirSync', 'Commands'), 'Add').find(
            (item) => childText(child(item, 'ApplicationData')!, 'Subject') === subject,
          );
          expect(add, `${subject} in ${folderId}`).toBeDefined();
          const data = child(add!, 'ApplicationData')!;
          return {
            serverId: childText(add!, 'ServerId')!,
            text: childText(child(data, 'Body')!, 'Data') ?? '',
          };
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    };
    const sentFolder = await folderOf(sender, '5');
    const bobInbox = await folderOf(receiver, '2');

    const clientId = randomUUID().slice(0, 12);
    const sendMail = () =>
      sender.command(
        'SendMail',
        easRequests.sendMail({
          clientId,
          saveInSentItems: true,
          mime: `To: ${bob.address}\r\nSubject: From the phone\r\n\r\nSent over ActiveSync\r\n`,
        }),
      );
    const sent = await sendMail();
    expect(sent.status).toBe(200);
    expect(sent.body).toBeUndefined();
    // The phone lost the answer and sends again: told it was sent, and nothing goes twice.
    expect(statusOf((await sendMail()).body)).toBe('118');

    const received = await arrived(receiver, bobInbox, 'From the phone');
    expect(received.text).toContain('Sent over ActiveSync');
    await arrived(sender, sentFolder, 'From the phone');

    // Bob answers from his phone with SmartReply; the server quotes the original.
    const replied = await receiver.command(
      'SmartReply',
      easRequests.smartReply({
        clientId: randomUUID().slice(0, 12),
        source: { folderId: bobInbox, itemId: received.serverId },
        mime: `To: ${alice.address}\r\nSubject: Re: From the phone\r\n\r\nGot it\r\n`,
      }),
    );
    expect(replied.status).toBe(200);
    expect(replied.body).toBeUndefined();
    const aliceInbox = await folderOf(sender, '2');
    const reply = await arrived(sender, aliceInbox, 'Re: From the phone');
    expect(reply.text).toContain('Got it');
    expect(reply.text).toContain('Sent over ActiveSync');

    // Alice forwards Bob's reply to Carol, naming her only as a Forwardee: the original goes along.
    const carol = await newAccount(suite.registry, { prefix: 'easfwd' });
    const carolPhone = newPhone(
      suite.platform.activesyncUrl,
      carol.address,
      carol.password,
      `EAS${randomUUID().slice(0, 8)}`,
    );
    const carolInbox = await folderOf(carolPhone, '2');
    const forwarded = await sender.command(
      'SmartForward',
      easRequests.smartForward({
        clientId: randomUUID().slice(0, 12),
        source: { folderId: aliceInbox, itemId: reply.serverId },
        forwardees: [carol.address],
        mime: `Subject: Fwd: Re: From the phone\r\n\r\nSee below\r\n`,
      }),
    );
    expect(forwarded.status).toBe(200);
    expect(forwarded.body).toBeUndefined();
    const fwd = await arrived(carolPhone, carolInbox, 'Fwd: Re: From the phone');
    expect(fwd.text).toContain('See below');
  });

  it('carries out a remote wipe asked for while the phone has a Ping parked, and records the confirmation', async () => {
    const { accountId, address, password } = await newAccount(suite.registry, { prefix: 'easwipe' });
    const phone = newPhone(suite.platform.activesyncUrl, address, password, `EAS${randomUUID().slice(0, 8)}`);
    await provision(phone);
    const inboxId = await inboxOf(phone);
    const key = childText(await sync(phone, inboxId, '0'), 'SyncKey')!;
    await sync(phone, inboxId, key);
    const ping = phone.ping(600, [inboxId]);
    await parked();
    const wipe = await admin('POST', `/admin/accounts/${accountId}/devices/${phone.options.deviceId}/wipe`, {
      kind: 'full',
      requestedBy: 'e2e',
    });
    expect(wipe.status).toBe(202);
    expect(statusOf((await ping).body)).toBe('140');
    const asked = await phone.command('Provision', easRequests.provision());
    expect(child(asked.body!, 'RemoteWipe')).toBeDefined();
    const confirmed = await phone.command('Provision', easRequests.wipeConfirmation());
    expect(statusOf(confirmed.body)).toBe('1');
    await expectEventually(async () => {
      const device = await admin('GET', `/admin/accounts/${accountId}/devices/${phone.options.deviceId}`);
      expect(device.body['status']).toBe('wiped');
    });
  });

  it('lists an attachment that arrived over SMTP and serves its exact bytes by GetAttachment and ItemOperations', async () => {
    const { address, password } = await newAccount(suite.registry, { prefix: 'easatt' });
    const bytes = randomBytes(5000);
    const boundary = `b-${randomUUID()}`;
    const message = [
      'From: ada@elsewhere.example',
      `To: ${address}`,
      'Subject: With a file',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the file.',
      `--${boundary}`,
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...(bytes.toString('base64').match(/.{1,76}/g) ?? []),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const sent = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'ada@elsewhere.example',
      to: [address],
      message: Buffer.from(message, 'utf8'),
    });
    expect(sent.data?.code).toBe(250);

    const phone = new EasClient(suite.platform.activesyncUrl, {
      address,
      password,
      deviceId: `EAS${randomUUID().slice(0, 8)}`,
      version: '14.1',
    });
    const inboxId = await inboxOf(phone);
    let key = childText(await sync(phone, inboxId, '0'), 'SyncKey')!;
    const attachment = await expectEventually(async () => {
      // Each answer moves the key: the next try asks from the new one (the same key would replay).
      const collection = await sync(phone, inboxId, key);
      key = childText(collection, 'SyncKey') ?? key;
      const add = child(child(collection, 'Commands')!, 'Add')!;
      return child(child(child(add, 'ApplicationData')!, 'Attachments')!, 'Attachment')!;
    });
    expect(childText(attachment, 'DisplayName')).toBe('report.pdf');
    expect(childText(attachment, 'EstimatedDataSize')).toBe('5000');
    const reference = childText(attachment, 'FileReference')!;

    const raw = await phone.command('GetAttachment', undefined, { query: { AttachmentName: reference } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('application/pdf');
    expect(raw.bytes.equals(bytes)).toBe(true);
    const fetched = await phone.command(
      'ItemOperations',
      easRequests.itemFetch(el('AirSyncBase', 'FileReference', reference)),
    );
    const properties = child(child(child(fetched.body!, 'Response')!, 'Fetch')!, 'Properties')!;
    expect(Buffer.from(childText(properties, 'Data')!, 'base64').equals(bytes)).toBe(true);
  });
});
