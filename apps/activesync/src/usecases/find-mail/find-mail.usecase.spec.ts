import { child, childText, COMMON_STATUS, el, FIND_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import type { EasReply } from '../../protocol/eas-command.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { FindMail } from './find-mail.usecase.js';
import { commandContext as context } from '../../testing/command-context.js';
import { searchedMail } from '../../testing/searched-mail.js';

function setUp() {
  const { searched, mail } = searchedMail();
  return { searched, command: new FindMail(mail) };
}

const find = (criterion: WbxmlElement) =>
  el('Find', 'Find', el('Find', 'SearchId', 'search-1'), el('Find', 'ExecuteSearch', criterion));

const mailboxFind = find(
  el(
    'Find',
    'MailBoxSearchCriterion',
    el('Find', 'Query', el('AirSync', 'Class', 'Email'), el('Find', 'FreeText', 'invoice')),
    el('Find', 'Options', el('Find', 'Range', '0-9')),
  ),
);

const statusOf = (reply: EasReply) => ('body' in reply ? childText(reply.body, 'Status') : undefined);

describe(FindMail.name, () => {
  it('searches the mailbox of an allowed device', async () => {
    const { command, searched } = setUp();
    const reply = await command.execute(context(mailboxFind));
    expect(statusOf(reply)).toBe(String(FIND_STATUS.Success));
    expect(searched).toEqual(['invoice']);
  });

  it('answers a quarantined device the common AccessDenied (130), not 2 (invalid request), and searches nothing', async () => {
    const { command, searched } = setUp();
    const reply = await command.execute(
      context(mailboxFind, { ...allowedStanding(), access: 'quarantined' }),
    );
    expect(statusOf(reply)).toBe(String(COMMON_STATUS.AccessDenied));
    expect('body' in reply && child(reply.body, 'Response')).toBeUndefined();
    expect(searched).toEqual([]);
  });

  it('still answers an address book search Status 2', async () => {
    const { command, searched } = setUp();
    const reply = await command.execute(
      context(find(el('Find', 'GalSearchCriterion', el('Find', 'Query', el('Find', 'FreeText', 'bob'))))),
    );
    expect(statusOf(reply)).toBe(String(FIND_STATUS.InvalidRequest));
    expect(searched).toEqual([]);
  });
});
