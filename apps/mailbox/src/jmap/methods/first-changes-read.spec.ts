import { randomUUID } from 'node:crypto';
import type { Invocation } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { type ChangesRead, inlineChangesSince } from '../../changes/changes.service.js';
import { firstChangesRead, MAX_CHANGES_PER_CALL } from './type-methods.js';

const accountId = randomUUID();
const changes = (name: string, args: Record<string, unknown>): Invocation => [
  name,
  { accountId, ...args },
  'c',
];

describe(firstChangesRead.name, () => {
  it("reads the first Foo/changes of the log's types as the method will, its page at most the most of a call", () => {
    const read = (calls: Invocation[]) => firstChangesRead(calls, accountId);
    expect(
      read([['Mailbox/get', { accountId }, 'm'], changes('Email/changes', { sinceState: '42' })]),
    ).toEqual({
      accountId,
      type: 'Email',
      since: 42,
      maxChanges: MAX_CHANGES_PER_CALL,
    });
    expect(
      read([
        changes('Mailbox/changes', { sinceState: '0', maxChanges: 7 }),
        changes('Email/changes', { sinceState: '3' }),
      ]),
    ).toEqual({ accountId, type: 'Mailbox', since: 0, maxChanges: 7 });
    expect(read([changes('Thread/changes', { sinceState: '1', maxChanges: null })])).toMatchObject({
      maxChanges: MAX_CHANGES_PER_CALL,
    });
    expect(read([changes('Email/changes', { sinceState: '1', maxChanges: 1e9 })])).toMatchObject({
      maxChanges: MAX_CHANGES_PER_CALL,
    });
  });

  it.each<[string, Invocation[]]>([
    ['no /changes', [['Email/get', { accountId, ids: [] }, 'g']]],
    ['a /queryChanges', [changes('Email/queryChanges', { sinceQueryState: '1' })]],
    ['a type the log does not record', [changes('VacationResponse/changes', { sinceState: '1' })]],
    ['another account', [['Email/changes', { accountId: randomUUID(), sinceState: '1' }, 'c']]],
    ['no accountId', [['Email/changes', { sinceState: '1' }, 'c']]],
    ['a referenced sinceState', [changes('Email/changes', { '#sinceState': { resultOf: 'e' } })]],
    ['a state this server never issued', [changes('Email/changes', { sinceState: '01' })]],
    ['an unsafe integer', [changes('Email/changes', { sinceState: '9007199254740993' })]],
    ['a number for a state', [changes('Email/changes', { sinceState: 1 })]],
    ['maxChanges 0', [changes('Email/changes', { sinceState: '1', maxChanges: 0 })]],
    ['a negative maxChanges', [changes('Email/changes', { sinceState: '1', maxChanges: -1 })]],
    ['a fraction', [changes('Email/changes', { sinceState: '1', maxChanges: 1.5 })]],
    ['a string maxChanges', [changes('Email/changes', { sinceState: '1', maxChanges: '5' })]],
  ])('reads nothing ahead for %s', (_, calls) => {
    expect(firstChangesRead(calls, accountId)).toBeUndefined();
  });

  it('looks at the first /changes only', () => {
    expect(
      firstChangesRead(
        [changes('Email/changes', { sinceState: 'x' }), changes('Email/changes', { sinceState: '1' })],
        accountId,
      ),
    ).toBeUndefined();
  });
});

describe(inlineChangesSince.name, () => {
  const read: ChangesRead = { accountId, type: 'Email', since: 12, maxChanges: 500 };

  it("writes mailbox.changes-since's values out, up to the state in the transaction's snapshot", () => {
    const text = inlineChangesSince(read)!.replace(/\s+/g, ' ');
    expect(text).toBe(
      `SELECT object_id, kind, modseq FROM mailbox.changes WHERE account_id = '${accountId}' AND type = 'Email'` +
        ` AND modseq > 12 AND modseq <= (SELECT modseq FROM mailbox.account_state WHERE account_id = '${accountId}')` +
        ' ORDER BY modseq, object_id LIMIT 501',
    );
  });

  it.each<Partial<Record<keyof ChangesRead, unknown>>>([
    { accountId: "00000000-0000-0000-0000-000000000000' OR true --" },
    { type: "Email' OR true --" },
    { type: 'constructor' },
    { since: -1 },
    { since: 1.5 },
    { since: Number.NaN },
    { since: 2 ** 53 },
    { maxChanges: 0 },
    { maxChanges: Number.POSITIVE_INFINITY },
  ])('writes nothing it has not checked: %j', (values) => {
    expect(inlineChangesSince({ ...read, ...values } as ChangesRead)).toBeUndefined();
  });
});
