import { child, childText, el, SETTINGS_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import type { EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import type { DeviceStanding } from '../../registry/device-views.js';
import { allowedStanding } from '../../testing/device-standing.js';
import type { OutOfOffice } from '../set-out-of-office/out-of-office.js';
import type { DeviceInformation } from './device-information.js';
import { UpdateSettings } from './update-settings.usecase.js';

const accountId = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

function setUp() {
  const recorded: string[] = [];
  const oofAsked: string[] = [];
  const information = {
    record: (context: EasCommandContext) => {
      recorded.push(context.device.deviceId);
      return Promise.resolve(el('Settings', 'DeviceInformation', el('Settings', 'Status', '1')));
    },
  } as unknown as DeviceInformation;
  const outOfOffice = {
    answer: (account: string) => {
      oofAsked.push(account);
      return Promise.resolve(el('Settings', 'Oof', el('Settings', 'Status', '1')));
    },
  } as unknown as OutOfOffice;
  return { recorded, oofAsked, command: new UpdateSettings(information, outOfOffice) };
}

function context(body: WbxmlElement, standing: DeviceStanding = allowedStanding()): EasCommandContext {
  return {
    protocolVersion: '14.1',
    device: { accountId, deviceId: 'phone1', address: 'alice@example.com' },
    standing,
    body,
  } as unknown as EasCommandContext;
}

const settings = (...parts: WbxmlElement[]) => el('Settings', 'Settings', ...parts);
const oofGet = el('Settings', 'Oof', el('Settings', 'Get', el('Settings', 'BodyType', 'Text')));
const oofSet = el('Settings', 'Oof', el('Settings', 'Set', el('Settings', 'OofState', '1')));
const deviceInformation = el(
  'Settings',
  'DeviceInformation',
  el('Settings', 'Set', el('Settings', 'Model', 'iPhone15,2')),
);

function statuses(reply: EasReply): Record<string, string | undefined> {
  if (!('body' in reply)) return {};
  const of = (tag: string) => {
    const part = child(reply.body, tag);
    return part && childText(part, 'Status');
  };
  return {
    Settings: childText(reply.body, 'Status'),
    DeviceInformation: of('DeviceInformation'),
    Oof: of('Oof'),
  };
}

describe(UpdateSettings.name, () => {
  it("answers an allowed device's Oof from the account's out-of-office setting", async () => {
    const { command, oofAsked } = setUp();
    const reply = await command.execute(context(settings(oofGet)));
    expect(statuses(reply)).toMatchObject({ Settings: '1', Oof: '1' });
    expect(oofAsked).toEqual([accountId]);
  });

  it.each([
    ['Get', oofGet],
    ['Set', oofSet],
  ])(
    'answers an Oof %s of a quarantined device Access denied (3), never touching the setting, and still records its DeviceInformation',
    async (_kind, oof) => {
      const { command, oofAsked, recorded } = setUp();
      const reply = await command.execute(
        context(settings(deviceInformation, oof), { ...allowedStanding(), access: 'quarantined' }),
      );
      expect(statuses(reply)).toEqual({
        Settings: String(SETTINGS_STATUS.Success),
        DeviceInformation: '1',
        Oof: String(SETTINGS_STATUS.AccessDenied),
      });
      expect('body' in reply && child(child(reply.body, 'Oof')!, 'Get')).toBeUndefined();
      expect(oofAsked).toEqual([]);
      expect(recorded).toEqual(['phone1']);
    },
  );
});
