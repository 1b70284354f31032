import { randomUUID } from 'node:crypto';
import { child, children, childText } from '@pushmail/activesync';
import { mailboxChangedTopic } from '@pushmail/contracts';
import { expectEventually, syncCollectionOf } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAccount } from '../testing/fake-registry.js';
import { GatewayHarness } from '../testing/gateway-harness.js';

/** ADR 0107: a replica no device waits on stops reading mailbox changes, and reads them again on the next Ping. */
describe('mailbox changes read only while devices wait on them', () => {
  const gateway = new GatewayHarness('easidle', { MAILBOX_CHANGES_IDLE_SECONDS: '1' });

  beforeAll(() => gateway.start());
  afterAll(() => gateway.stop());

  async function following(): Promise<boolean> {
    const metrics = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    const paused = /pushmail_kafka_consumer_paused\{topic="[^"]*mailbox\.changed\.v1"\} ([01])/.exec(metrics);
    return paused?.[1] !== '1';
  }

  /** A new message in the account's Inbox, announced as mailbox announces it. */
  async function deliverAndAnnounce(account: FakeAccount, subject: string): Promise<void> {
    gateway.mailbox.deliver(account.accountId, {
      subject,
      from: 'b@x.y',
      to: account.address,
      text: subject,
    });
    const state = gateway.mailbox.state(account.accountId);
    await gateway.producer.publish(mailboxChangedTopic, [
      {
        eventId: randomUUID(),
        accountId: account.accountId,
        state,
        changed: { Email: state },
        cause: 'delivery',
        createdEmailIds: [],
        occurredAt: new Date().toISOString(),
        acceptedAt: new Date().toISOString(),
      },
    ]);
  }

  it('a Ping after the pause finds the mail announced while paused, and the next change wakes the next Ping', async () => {
    const account = await gateway.newAccount();
    const client = gateway.phone(account);
    await client.folderSync('0');
    const inbox = gateway.mailbox.folderId(account.accountId, 'inbox');
    let key = childText(syncCollectionOf((await client.sync(inbox, '0')).body)!, 'SyncKey')!;
    key = childText(syncCollectionOf((await client.sync(inbox, key)).body)!, 'SyncKey')!;

    // A change the replica reads while a Ping is parked: it wakes the Ping, and the Sync after it
    // leaves the device at the state announced last.
    const parked = client.ping(300, [inbox]);
    await expectEventually(async () =>
      expect(await (await fetch(`${gateway.baseUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings [1-9]/,
      ),
    );
    await deliverAndAnnounce(account, 'first');
    expect(childText((await parked).body!, 'Status')).toBe('2');
    key = childText(syncCollectionOf((await client.sync(inbox, key)).body)!, 'SyncKey')!;

    // No device waits: the replica leaves its group, and a change announced meanwhile is not read.
    await expectEventually(async () => expect(await following()).toBe(false), { timeoutMs: 20_000 });
    await deliverAndAnnounce(account, 'while nobody waits');

    // The next Ping follows the changes again and its first look asks mailbox, not what was
    // announced before the pause (which equals the state the device holds).
    const first = await client.ping(20, [inbox]);
    expect(childText(first.body!, 'Status')).toBe('2');
    expect(await following()).toBe(true);
    const caughtUp = syncCollectionOf((await client.sync(inbox, key)).body)!;
    expect(
      children(child(caughtUp, 'Commands')!, 'Add').map((add) =>
        childText(child(add, 'ApplicationData')!, 'Subject'),
      ),
    ).toEqual(['while nobody waits']);

    // A change published after the Ping parked is read once the new member has joined.
    const next = client.ping(300, [inbox]);
    await expectEventually(async () =>
      expect(await (await fetch(`${gateway.baseUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings [1-9]/,
      ),
    );
    await deliverAndAnnounce(account, 'after the pause');
    expect(childText((await next).body!, 'Status')).toBe('2');
  }, 120_000);
});
