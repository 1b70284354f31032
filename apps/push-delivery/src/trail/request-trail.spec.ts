import { type Invocation, LIMIT_ERROR } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { sendsTrail, withSends } from './request-trail.js';

const envelope = (count: number) => ({
  mailFrom: { email: 'alice@example.com', parameters: null },
  rcptTo: Array.from({ length: count }, (_, index) => ({
    email: `r${index}@elsewhere.example`,
    parameters: null,
  })),
});

describe(sendsTrail.name, () => {
  it('records each created submission with its ids, recipient count and outcome, and no address', () => {
    const calls: Invocation[] = [
      ['Email/set', { accountId: 'a', create: { d: {} } }, '0'],
      [
        'EmailSubmission/set',
        {
          accountId: 'a',
          create: {
            now: { identityId: 'I1', emailId: 'M1' },
            later: { identityId: 'I1', emailId: '#d', envelope: envelope(2) },
            bad: { identityId: 'I1', emailId: 'M3' },
          },
        },
        '1',
      ],
    ];
    const responses: Invocation[] = [
      ['Email/set', { created: { d: { id: 'M2' } } }, '0'],
      [
        'EmailSubmission/set',
        {
          created: {
            now: { id: 'S1', undoStatus: 'final', envelope: envelope(3) },
            later: { id: 'S2', undoStatus: 'pending' },
          },
          notCreated: { bad: { type: 'forbiddenFrom', description: 'not yours' } },
        },
        '1',
      ],
    ];

    const sends = sendsTrail(calls, { ok: true, response: { methodResponses: responses } });

    expect(sends).toEqual([
      { submissionId: 'S1', emailId: 'M1', recipients: 3, outcome: 'sent' },
      { submissionId: 'S2', recipients: 2, outcome: 'pending' },
      { emailId: 'M3', outcome: 'refused', error: 'forbiddenFrom' },
    ]);
    expect(JSON.stringify(sends)).not.toContain('@');
  });

  it('records the creates of a call refused as a whole, or of a request refused, as refused', () => {
    const calls: Invocation[] = [
      ['EmailSubmission/set', { accountId: 'a', create: { s: { identityId: 'I1', emailId: 'M1' } } }, 'x'],
    ];

    expect(
      sendsTrail(calls, {
        ok: true,
        response: { methodResponses: [['error', { type: 'stateMismatch' }, 'x']] },
      }),
    ).toEqual([{ emailId: 'M1', outcome: 'refused', error: 'stateMismatch' }]);
    expect(sendsTrail(calls, { ok: false, problem: { type: LIMIT_ERROR } })).toEqual([
      { emailId: 'M1', outcome: 'refused', error: 'limit' },
    ]);
  });

  it('records nothing for a request that sends nothing, and caps what one request records', () => {
    const reading: Invocation[] = [['EmailSubmission/get', { accountId: 'a', ids: null }, '0']];
    expect(withSends(sendsTrail(reading, { ok: true, response: { methodResponses: [] } }))).toEqual({});

    const many = Object.fromEntries(
      Array.from({ length: 100 }, (_, index) => [`c${index}`, { emailId: 'M' }]),
    );
    const sends = sendsTrail([['EmailSubmission/set', { accountId: 'a', create: many }, '0']], {
      ok: true,
      response: { methodResponses: [['EmailSubmission/set', { notCreated: {} }, '0']] },
    });
    expect(sends).toHaveLength(64);
  });
});
