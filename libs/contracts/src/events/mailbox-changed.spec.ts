import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mailboxChangedV1, pushedChanges } from './mailbox-changed.js';

const event = (extra: Record<string, unknown>) => ({
  eventId: randomUUID(),
  accountId: randomUUID(),
  state: '12',
  changed: {},
  cause: 'update',
  occurredAt: new Date().toISOString(),
  ...extra,
});

describe('mailboxChangedV1', () => {
  it('carries a VacationResponse change in alsoChanged, which a reader from before it ignores', () => {
    const parsed = mailboxChangedV1.parse(event({ alsoChanged: { VacationResponse: '12' } }));
    expect(pushedChanges(parsed)).toEqual({ VacationResponse: '12' });
    const earlierReader = mailboxChangedV1.omit({ alsoChanged: true });
    expect(earlierReader.safeParse(event({ alsoChanged: { VacationResponse: '12' } })).success).toBe(true);
    // In `changed` it would be refused by that reader: this is why it travels apart.
    expect(earlierReader.safeParse(event({ changed: { VacationResponse: '12' } })).success).toBe(false);
  });

  it('gives a StateChange both maps together', () => {
    const parsed = mailboxChangedV1.parse(
      event({ changed: { Email: '12', Mailbox: '11' }, alsoChanged: { VacationResponse: '9' } }),
    );
    expect(pushedChanges(parsed)).toEqual({ Email: '12', Mailbox: '11', VacationResponse: '9' });
    expect(pushedChanges(mailboxChangedV1.parse(event({ changed: { Email: '12' } })))).toEqual({
      Email: '12',
    });
    expect(mailboxChangedV1.safeParse(event({ alsoChanged: { Email: '12' } })).success).toBe(false);
  });

  it('carries Identity and EmailSubmission changes in moreChanged, an open record a reader from before them still reads', () => {
    const parsed = mailboxChangedV1.parse(
      event({ changed: { Email: '14' }, moreChanged: { Identity: '13', EmailSubmission: '14' } }),
    );
    expect(pushedChanges(parsed)).toEqual({ Email: '14', Identity: '13', EmailSubmission: '14' });
    const earlierReader = mailboxChangedV1.omit({ moreChanged: true });
    expect(earlierReader.safeParse(event({ moreChanged: { Identity: '13' } })).success).toBe(true);
    // In alsoChanged, whose keys are closed, the reader of ADR 0092 would refuse it.
    expect(earlierReader.safeParse(event({ alsoChanged: { Identity: '13' } })).success).toBe(false);
  });

  it('reads a type it does not know in moreChanged without pushing it, and bounds the record', () => {
    const parsed = mailboxChangedV1.parse(event({ moreChanged: { CalendarEvent: '3', Identity: '3' } }));
    expect(pushedChanges(parsed)).toEqual({ Identity: '3' });
    expect(mailboxChangedV1.safeParse(event({ moreChanged: { 'not a type': '3' } })).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`Type${index}`, '1']));
    expect(mailboxChangedV1.safeParse(event({ moreChanged: many })).success).toBe(false);
  });
});
