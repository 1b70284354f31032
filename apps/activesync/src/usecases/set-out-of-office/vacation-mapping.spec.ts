import type { OofSettings } from '@pushmail/activesync';
import { DISABLED_VACATION, type VacationResponseValue } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { oofOf, replyMessageOf, vacationOf } from './vacation-mapping.js';

const off: VacationResponseValue = DISABLED_VACATION;

describe(vacationOf.name, () => {
  it('sends the first enabled message, as text or HTML, while Oof is on', () => {
    const settings: OofSettings = {
      state: 1,
      messages: [
        { audience: 'externalUnknown', enabled: true, replyMessage: 'to strangers', bodyType: 'Text' },
        { audience: 'internal', enabled: false, replyMessage: 'to colleagues', bodyType: 'Text' },
        { audience: 'externalKnown', enabled: true, replyMessage: '<p>to contacts</p>', bodyType: 'HTML' },
      ],
    };
    expect(replyMessageOf(settings)?.audience).toBe('externalKnown');
    expect(vacationOf(settings)).toEqual({ ...off, isEnabled: true, htmlBody: '<p>to contacts</p>' });
  });

  it('is off when Oof is off or no message is enabled, and carries the window of a time-based Oof', () => {
    const message = { audience: 'internal' as const, enabled: true, replyMessage: 'away' };
    expect(vacationOf({ state: 0, messages: [message] }).isEnabled).toBe(false);
    expect(vacationOf({ state: 1, messages: [{ ...message, enabled: false }] }).isEnabled).toBe(false);
    expect(
      vacationOf({
        state: 2,
        startTime: '2026-12-20T00:00:00.000Z',
        endTime: '2026-12-24T08:30:00.500Z',
        messages: [message],
      }),
    ).toEqual({
      ...off,
      isEnabled: true,
      fromDate: '2026-12-20T00:00:00Z',
      toDate: '2026-12-24T08:30:00.500Z',
      textBody: 'away',
    });
  });
});

describe(oofOf.name, () => {
  it('shows the messages a phone set while the VacationResponse still sends them', () => {
    const stored: OofSettings = {
      state: 1,
      messages: [
        { audience: 'internal', enabled: true, replyMessage: 'away', bodyType: 'Text' },
        { audience: 'externalUnknown', enabled: false, replyMessage: 'not for you', bodyType: 'Text' },
      ],
    };
    const vacation = { ...off, isEnabled: true, fromDate: '2026-12-20T00:00:00Z', textBody: 'away' };
    expect(oofOf(vacation, stored)).toEqual({
      state: 2,
      startTime: '2026-12-20T00:00:00.000Z',
      endTime: '9999-12-31T23:59:59.000Z',
      messages: stored.messages,
    });
  });

  it('shows a VacationResponse set over JMAP as its message for every audience', () => {
    const stored: OofSettings = {
      state: 1,
      messages: [{ audience: 'internal', enabled: true, replyMessage: 'old' }],
    };
    const shown = oofOf({ ...off, textBody: 'new' }, stored);
    expect(shown.state).toBe(0);
    expect(shown.startTime).toBeUndefined();
    expect(
      shown.messages.map((message) => [message.audience, message.replyMessage, message.bodyType]),
    ).toEqual([
      ['internal', 'new', 'Text'],
      ['externalKnown', 'new', 'Text'],
      ['externalUnknown', 'new', 'Text'],
    ]);
    expect(oofOf(off, undefined)).toEqual({ state: 0, messages: [] });
  });
});
