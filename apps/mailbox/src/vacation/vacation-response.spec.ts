import { DISABLED_VACATION } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import {
  applyVacationPatch,
  autoReplyRefusal,
  autoReplySubject,
  isVacationActive,
} from './vacation-response.js';

const to = [{ name: 'To', value: ' Bob <bob@example.com>' }];

describe(autoReplyRefusal.name, () => {
  it('answers a person who wrote to the account', () => {
    expect(autoReplyRefusal(to, 'ada@example.org', 'bob@example.com')).toBeNull();
    expect(
      autoReplyRefusal(
        [...to, { name: 'Auto-Submitted', value: ' no' }],
        'ada@example.org',
        'bob@example.com',
      ),
    ).toBeNull();
  });

  it('never answers lists, bulk, automatic mail, robots, a null sender or mail not addressed to the account', () => {
    const refused: Array<[Array<{ name: string; value: string }>, string]> = [
      [[...to, { name: 'Precedence', value: ' bulk' }], 'ada@example.org'],
      [[...to, { name: 'precedence', value: ' list' }], 'ada@example.org'],
      [[...to, { name: 'List-Id', value: ' <l.example.org>' }], 'ada@example.org'],
      [[...to, { name: 'Auto-Submitted', value: ' auto-generated' }], 'ada@example.org'],
      [to, 'MAILER-DAEMON@example.org'],
      [to, 'owner-team@example.org'],
      [to, 'team-request@example.org'],
      [to, ''],
      [to, 'bob@example.com'],
      [[{ name: 'To', value: ' someone@example.org' }], 'ada@example.org'],
    ];
    for (const [headers, sender] of refused) {
      expect(
        autoReplyRefusal(headers, sender, 'bob@example.com'),
        `${sender} ${JSON.stringify(headers)}`,
      ).not.toBeNull();
    }
  });
});

describe(applyVacationPatch.name, () => {
  it('sets the properties a client may set and names the ones it may not', () => {
    const applied = applyVacationPatch(DISABLED_VACATION, {
      isEnabled: true,
      fromDate: '2026-07-01T00:00:00Z',
      subject: 'Away',
    });
    expect(applied).toMatchObject({ ok: true, vacation: { isEnabled: true, subject: 'Away' } });
    const refused = applyVacationPatch(DISABLED_VACATION, {
      id: 'x',
      toDate: '2026-07-01',
      textBody: 'a\u0000b',
      htmlBody: '\ud800',
      subject: 'a\nb',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['id', 'toDate', 'textBody', 'htmlBody', 'subject'] },
    });
  });
});

describe(isVacationActive.name, () => {
  it('is active when enabled and within [fromDate, toDate)', () => {
    const vacation = {
      ...DISABLED_VACATION,
      isEnabled: true,
      fromDate: new Date('2026-07-01T00:00:00Z'),
      toDate: new Date('2026-07-08T00:00:00Z'),
    };
    expect(isVacationActive(vacation, new Date('2026-07-01T00:00:00Z'))).toBe(true);
    expect(isVacationActive(vacation, new Date('2026-07-08T00:00:00Z'))).toBe(false);
    expect(isVacationActive(vacation, new Date('2026-06-30T23:59:59Z'))).toBe(false);
    expect(isVacationActive({ ...vacation, isEnabled: false }, new Date('2026-07-02T00:00:00Z'))).toBe(false);
    expect(autoReplySubject(vacation, 'Hi\r\n there')).toBe('Auto: Hi there');
  });
});
