import { child, childText, children, COMMON_STATUS, el } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import type { EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import type { DeviceStanding, DeviceViews } from '../../registry/device-views.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { ResolveRecipients } from './resolve-recipients.usecase.js';

const accountId = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

function setUp() {
  const asked: string[][] = [];
  const views = {
    accountsOfAddresses: (addresses: Set<string>) => {
      asked.push([...addresses]);
      return new Set([...addresses].filter((address) => address === 'bob@example.com'));
    },
  } as unknown as DeviceViews;
  return { asked, command: new ResolveRecipients(views) };
}

function context(standing: DeviceStanding = allowedStanding()): EasCommandContext {
  return {
    device: { accountId, deviceId: 'phone1', address: 'alice@example.com' },
    standing,
    body: el(
      'ResolveRecipients',
      'ResolveRecipients',
      el('ResolveRecipients', 'To', 'bob@example.com'),
      el('ResolveRecipients', 'To', 'alice'),
    ),
  } as unknown as EasCommandContext;
}

const resolved = (reply: EasReply) =>
  'body' in reply
    ? children(reply.body, 'Response').map((response) =>
        childText(child(response, 'Recipient') ?? el('ResolveRecipients', 'Recipient'), 'EmailAddress'),
      )
    : [];

describe(ResolveRecipients.name, () => {
  it('resolves hosted addresses and the account itself for an allowed device', async () => {
    const { command } = setUp();
    const reply = await command.execute(context());
    expect('body' in reply && childText(reply.body, 'Status')).toBe('1');
    expect(resolved(reply)).toEqual(['bob@example.com', 'alice@example.com']);
  });

  it('answers a quarantined device the common AccessDenied (130), resolving nothing and asking nobody', async () => {
    const { command, asked } = setUp();
    const reply = await command.execute(context({ ...allowedStanding(), access: 'quarantined' }));
    expect('body' in reply && childText(reply.body, 'Status')).toBe(String(COMMON_STATUS.AccessDenied));
    expect(resolved(reply)).toEqual([]);
    expect(asked).toEqual([]);
  });
});
