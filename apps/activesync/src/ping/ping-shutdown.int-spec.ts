import { childText } from '@pushmail/activesync';
import { expectEventually, syncCollectionOf } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { gatewayPerSuite } from '../testing/gateway-harness.js';

describe('stopping the gateway with parked Pings', () => {
  const gateway = gatewayPerSuite('easstop');

  it('answers each parked Ping with Status 1 and closes within seconds, its keep-alive sockets included', async () => {
    const account = await gateway.newAccount();
    const phones = [gateway.phone(account), gateway.phone(account)];
    const parked: Array<ReturnType<(typeof phones)[number]['ping']>> = [];
    for (const phone of phones) {
      await phone.folderSync('0');
      const inbox = gateway.mailbox.folderId(account.accountId, 'inbox');
      const start = await phone.sync(inbox, '0');
      await phone.sync(inbox, childText(syncCollectionOf(start.body)!, 'SyncKey')!);
      parked.push(phone.ping(600, [inbox]));
    }
    await expectEventually(async () =>
      expect(await (await fetch(`${gateway.baseUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings 2\b/,
      ),
    );

    const started = Date.now();
    const closed = gateway.app!.close();
    const answers = await Promise.all(parked);
    expect(answers.map((answer) => childText(answer.body!, 'Status'))).toEqual(['1', '1']);
    // Kept alive, the phones' sockets would hold the server open for as long as they keep them.
    expect(answers.map((answer) => answer.headers.get('connection'))).toEqual(['close', 'close']);
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
    // Closed already: the harness's stop must not close it twice.
    gateway.app = undefined;
  });
});
