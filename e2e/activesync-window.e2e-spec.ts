import { randomUUID } from 'node:crypto';
import { child, childText, children, el, type WbxmlElement } from '@pushmail/activesync';
import { EasClient, scrapeMetrics, syncCollectionOf } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { useJmapSuite } from './jmap-client-kit.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A collection's Options asking for a one-day sync window (FilterType 1). */
const oneDay = el('AirSync', 'Options', el('AirSync', 'FilterType', '1'));

/** Each command of a Sync answer's collection, as its tag and ServerId. */
const commandsOf = (collection: WbxmlElement) => {
  const commands = child(collection, 'Commands');
  return (commands ? commands.children : [])
    .filter((node): node is WbxmlElement => typeof node === 'object' && !(node instanceof Uint8Array))
    .map((command) => [command.tag, childText(command, 'ServerId')]);
};

describe('a phone syncing within a sync window, on the real services', () => {
  // Device 0 reads and writes mail over JMAP; devices 1 and 2 are phones on ActiveSync.
  const jmap = useJmapSuite('activesync-window', { devices: 3 });

  /** A message imported into the Inbox, received at `receivedAt`; answers its id. */
  const importAt = async (subject: string, receivedAt: Date): Promise<string> => {
    const message = [
      'From: Ada <ada@elsewhere.example>',
      `To: ${jmap.account.address}`,
      `Subject: ${subject}`,
      `Message-ID: <${randomUUID()}@elsewhere.example>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body of ${subject}.`,
      '',
    ].join('\r\n');
    const uploaded = await jmap.device.jam.uploadBlob(
      jmap.account.accountId,
      new Blob([message], { type: 'message/rfc822' }),
    );
    const imported = await jmap.call('Email/import', {
      emails: {
        one: {
          blobId: uploaded.blobId,
          mailboxIds: { [jmap.roles['inbox']!]: true },
          receivedAt: receivedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      },
    });
    return (imported['created'] as Record<string, { id: string }>)['one']!.id;
  };
  /** The gateway's requests and JMAP method calls to mailbox so far. */
  const mailboxCounts = async () => {
    const metrics = await scrapeMetrics(jmap.platform.activesyncUrl);
    return {
      requests: metrics.value('pushmail_activesync_mailbox_requests_total') ?? 0,
      calls: metrics.value('pushmail_activesync_mailbox_method_calls_total') ?? 0,
    };
  };
  const phoneOf = async (index: number) => {
    const device = jmap.account.devices[index]!;
    const client = new EasClient(jmap.platform.activesyncUrl, {
      address: jmap.account.address,
      deviceId: device.deviceId,
      token: device.token,
    });
    const hierarchy = await client.folderSync('0');
    const inbox = children(child(hierarchy.body!, 'Changes')!, 'Add').find(
      (add) => childText(add, 'Type') === '2',
    );
    const inboxId = childText(inbox!, 'ServerId')!;
    const primed = syncCollectionOf((await client.sync(inboxId, '0')).body)!;
    return { client, inboxId, key: childText(primed, 'SyncKey')! };
  };
  const windowedSync = async (
    phone: Awaited<ReturnType<typeof phoneOf>>,
    ...extra: WbxmlElement[]
  ): Promise<WbxmlElement> => {
    const collection = syncCollectionOf(
      (await phone.client.sync(phone.inboxId, phone.key, oneDay, ...extra)).body,
    )!;
    expect(childText(collection, 'Status')).toBe('1');
    phone.key = childText(collection, 'SyncKey')!;
    return collection;
  };

  it('brings a windowed Inbox up to date in one request, and an aged-out message leaves as a listing removes it', async () => {
    const onChanges = await phoneOf(1);
    const onListing = await phoneOf(2);
    // Received a day before now, and a few seconds: it leaves a one-day window in those seconds.
    const agesOutAt = Date.now() + 8_000;
    const aging = await importAt('aging', new Date(agesOutAt - DAY_MS));
    const kept = await importAt('kept', new Date());
    await importAt('last week', new Date(Date.now() - 7 * DAY_MS));
    for (const phone of [onChanges, onListing])
      expect(commandsOf(await windowedSync(phone))).toEqual([
        ['Add', kept],
        ['Add', aging],
      ]);
    expect(Date.now()).toBeLessThan(agesOutAt);
    await new Promise((resolve) => setTimeout(resolve, agesOutAt - Date.now() + 1_000));

    const arrived = await importAt('new', new Date());
    const before = await mailboxCounts();
    const changed = await windowedSync(onChanges);
    const after = await mailboxCounts();
    // The folders, Email/changes and the created and updated messages, by back-reference: no listing.
    expect({ requests: after.requests - before.requests, calls: after.calls - before.calls }).toEqual({
      requests: 1,
      calls: 4,
    });
    // Aged out, not deleted: a SoftDelete.
    expect(commandsOf(changed)).toEqual([
      ['SoftDelete', aging],
      ['Add', arrived],
    ]);
    // The other phone marks `kept` read in the same Sync: its own change moves the state, and the
    // folder is listed. It is told the same.
    const listed = await windowedSync(
      onListing,
      el(
        'AirSync',
        'Commands',
        el(
          'AirSync',
          'Change',
          el('AirSync', 'ServerId', kept),
          el('AirSync', 'ApplicationData', el('Email', 'Read', '1')),
        ),
      ),
    );
    const afterListing = await mailboxCounts();
    expect(afterListing.requests - after.requests).toBeGreaterThanOrEqual(3);
    expect(commandsOf(listed)).toEqual(commandsOf(changed));
  });
});
