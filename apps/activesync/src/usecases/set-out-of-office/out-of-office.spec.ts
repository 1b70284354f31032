import { childText, el, type WbxmlElement } from '@pushmail/activesync';
import { DISABLED_VACATION, type Invocation, VACATION_RESPONSE_ID } from '@pushmail/jmap';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { MailboxApi } from '../../mailbox/mailbox-client.js';
import { invalidOof, OutOfOffice } from './out-of-office.js';

describe(invalidOof.name, () => {
  it('accepts a plain or time-based setting and refuses one that cannot be kept as given', () => {
    expect(invalidOof({ state: 1, messages: [{ audience: 'internal', enabled: true }] })).toBeUndefined();
    expect(
      invalidOof({
        state: 2,
        startTime: '2026-12-20T00:00:00Z',
        endTime: '2026-12-24T00:00:00Z',
        messages: [],
      }),
    ).toBeUndefined();
    expect(invalidOof({ state: 2, messages: [] })).toMatch(/StartTime and EndTime/);
    expect(
      invalidOof({
        state: 2,
        startTime: '2026-12-24T00:00:00Z',
        endTime: '2026-12-20T00:00:00Z',
        messages: [],
      }),
    ).toMatch(/before/);
    expect(
      invalidOof({
        state: 1,
        messages: [
          { audience: 'internal', enabled: true },
          { audience: 'internal', enabled: false },
        ],
      }),
    ).toMatch(/same audience/);
  });
});

describe(OutOfOffice.name, () => {
  const accountId = '6f1c2a7e-3b9d-4c51-9e0a-2d7b8c4f1a36';
  const setOof = el(
    'Settings',
    'Oof',
    el(
      'Settings',
      'Set',
      el('Settings', 'OofState', '1'),
      el(
        'Settings',
        'OofMessage',
        el('Settings', 'AppliesToInternal'),
        el('Settings', 'Enabled', '1'),
        el('Settings', 'ReplyMessage', 'Away'),
        el('Settings', 'BodyType', 'Text'),
      ),
    ),
  );
  const outOfOffice = (setAnswer: Record<string, unknown>) => {
    const stored: unknown[] = [];
    const repository = {
      findOneBy: async () => null,
      upsert: async (row: unknown) => void stored.push(row),
    };
    const dataSource = { getRepository: () => repository } as unknown as DataSource;
    const mailbox = {
      call: async (_accountId: string, [[method]]: [Invocation]) =>
        method === 'VacationResponse/get'
          ? [
              [
                method,
                {
                  list: [{ id: VACATION_RESPONSE_ID, ...DISABLED_VACATION }],
                },
                'v',
              ],
            ]
          : [[method, setAnswer, 'v']],
    } as unknown as MailboxApi;
    return { service: new OutOfOffice(dataSource, mailbox), stored };
  };
  const statusOf = (answer: WbxmlElement) => childText(answer, 'Status', 'Settings');

  it('answers Status 5 and keeps nothing when mailbox refuses the values, and stores what it took', async () => {
    const refused = outOfOffice({ notUpdated: { singleton: { type: 'invalidProperties' } } });
    expect(statusOf(await refused.service.answer(accountId, setOof, '16.1'))).toBe('5');
    expect(refused.stored).toEqual([]);
    const taken = outOfOffice({ updated: { singleton: null } });
    expect(statusOf(await taken.service.answer(accountId, setOof, '16.1'))).toBe('1');
    expect(taken.stored).toHaveLength(1);
    const failing = outOfOffice({ notUpdated: { singleton: { type: 'forbidden' } } });
    await expect(failing.service.answer(accountId, setOof, '16.1')).rejects.toThrow(/forbidden/);
  });
});
