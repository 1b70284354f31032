import { child, childText, easRequests, el, SEARCH_STATUS } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import type { EasReply } from '../../protocol/eas-command.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { SearchMailbox } from './search-mailbox.usecase.js';
import { commandContext as context } from '../../testing/command-context.js';
import { searchedMail } from '../../testing/searched-mail.js';

function setUp() {
  const { searched, mail } = searchedMail();
  return { searched, command: new SearchMailbox(mail) };
}

function statuses(reply: EasReply): { search?: string; store?: string } {
  if (!('body' in reply)) return {};
  const store = child(child(reply.body, 'Response')!, 'Store')!;
  return { search: childText(reply.body, 'Status'), store: childText(store, 'Status') };
}

describe(SearchMailbox.name, () => {
  it('searches the mailbox of an allowed device', async () => {
    const { command, searched } = setUp();
    const reply = await command.execute(context(easRequests.searchMailbox('invoice', '0-9')));
    expect(statuses(reply)).toEqual({
      search: String(SEARCH_STATUS.Success),
      store: String(SEARCH_STATUS.Success),
    });
    expect(searched).toEqual(['invoice']);
  });

  it('refuses a quarantined device with Store Status 5 (access denied), not 2 (invalid request), and searches nothing', async () => {
    const { command, searched } = setUp();
    const reply = await command.execute(
      context(easRequests.searchMailbox('invoice', '0-9'), { ...allowedStanding(), access: 'quarantined' }),
    );
    expect(statuses(reply)).toEqual({
      search: String(SEARCH_STATUS.Success),
      store: String(SEARCH_STATUS.AccessDenied),
    });
    expect(searched).toEqual([]);
  });

  it('still answers a store other than Mailbox Status 2', async () => {
    const { command, searched } = setUp();
    const gal = el(
      'Search',
      'Search',
      el('Search', 'Store', el('Search', 'Name', 'GAL'), el('Search', 'Query', 'alice')),
    );
    expect(statuses(await command.execute(context(gal))).store).toBe(String(SEARCH_STATUS.InvalidRequest));
    expect(searched).toEqual([]);
  });
});
