import { randomUUID } from 'node:crypto';
import type { Invocation } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { RoundTrips } from '../../testing/round-trips.js';
import { StoreDeliveryUseCase } from '../../usecases/store-delivery/store-delivery.usecase.js';

/** A round trip that reads the change log. */
const readsTheLog = (text: string) => text.includes('FROM mailbox.changes');

/** Email/get of what the Email/changes of call id `c` created. */
const getCreated = (accountId: string): Invocation => [
  'Email/get',
  {
    accountId,
    '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
    properties: ['subject'],
  },
  'g',
];

/** A device's fetch after a push: what changed since the state it holds, and the new emails. */
const fetchSince = (accountId: string, sinceState: string, more: Record<string, unknown> = {}) => [
  ['Email/changes', { accountId, sinceState, ...more }, 'c'] as Invocation,
  getCreated(accountId),
];

describe("a read-only request's first Foo/changes, read with its BEGIN", () => {
  let harness: MailboxTestApp;
  let roundTrips: RoundTrips;
  const alice = randomUUID();
  const mallory = randomUUID();
  /** Alice's emails by subject, and her state after each of her deliveries. */
  const emails = new Map<string, string>();
  const statesAfter: number[] = [];

  const deliver = async (accountId: string, subjects: string[]) => {
    const { changes } = await harness.app
      .get(StoreDeliveryUseCase)
      .execute(subjects.map((subject) => mailArrivedEvent(accountId, rawMessage({ subject }))));
    const [change] = changes;
    if (accountId === alice) {
      change!.createdEmailIds.forEach((id, index) => emails.set(subjects[index]!, id));
      statesAfter.push(change!.states.modseq);
    }
  };
  /** `call` answered in a request of its own, which reads in a snapshot of its own as it always did. */
  const alone = async (accountId: string, call: Invocation) =>
    ((await harness.jmap(accountId, [call])) as [Invocation])[0];

  /** The fetch's /changes created every email of Alice's, and its /get read them all. */
  const expectAliceEverything = (changes: Record<string, unknown>, got: Record<string, unknown>) => {
    expect([...(changes['created'] as string[])].sort()).toEqual([...emails.values()].sort());
    expect((got['list'] as Array<{ subject: string }>).map((email) => email.subject).sort()).toEqual([
      'four',
      'one',
      'three',
      'two',
    ]);
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    roundTrips = new RoundTrips(harness.app.get(DataSource));
    // Mallory's states run beside Alice's: the same modseqs hold changes of both.
    await deliver(alice, ['one']);
    await deliver(mallory, ['mallory one']);
    await deliver(alice, ['two']);
    await deliver(mallory, ['mallory two']);
    // Two emails in one transaction: a page of one cannot end inside it.
    await deliver(alice, ['three', 'four']);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers the fetch as before, its log read in the round trip of the BEGIN: one round trip fewer', async () => {
    const fetched = await roundTrips.ofSnapshot(() => harness.jmap(alice, fetchSince(alice, '0')));
    // The same request with its sinceState by reference, which cannot be read before the request runs.
    const referenced = await roundTrips.ofSnapshot(() =>
      harness.jmap(alice, [
        ['Core/echo', { state: '0' }, 'e'],
        [
          'Email/changes',
          { accountId: alice, '#sinceState': { resultOf: 'e', name: 'Core/echo', path: '/state' } },
          'c',
        ],
        getCreated(alice),
      ]),
    );

    expect(fetched.result).toEqual(referenced.result.slice(1));
    const [[, changes], [, got]] = fetched.result as [Invocation, Invocation];
    expect(changes).toMatchObject({
      oldState: '0',
      newState: String(statesAfter.at(-1)),
      hasMoreChanges: false,
      updated: [],
      destroyed: [],
    });
    expectAliceEverything(changes, got);
    expect(fetched.trips).toHaveLength(referenced.trips.length - 1);
    expect(fetched.trips.filter(readsTheLog)).toEqual([fetched.trips[0]]);
    expect(fetched.trips[0]).toMatch(/^START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT /);
    expect(referenced.trips.filter(readsTheLog)).toHaveLength(1);
    expect(readsTheLog(referenced.trips[0]!)).toBe(false);
  });

  it('answers the /changes whose arguments differ from the first one as it always did', async () => {
    const calls: Invocation[] = [
      ['Mailbox/changes', { accountId: alice, sinceState: '0' }, 'm'],
      ['Email/changes', { accountId: alice, sinceState: '0' }, 'c'],
      ['Email/changes', { accountId: alice, sinceState: '0', maxChanges: 1 }, 'p'],
      ['Email/changes', { accountId: alice, sinceState: String(statesAfter[0]) }, 's'],
      ['Thread/changes', { accountId: alice, sinceState: '0' }, 't'],
    ];
    const { result, trips } = await roundTrips.ofSnapshot(() => harness.jmap(alice, calls));

    const each = await Promise.all(calls.map((call) => alone(alice, call)));
    expect(result).toEqual(each);
    expect(result.map(([name]) => name)).toEqual(calls.map(([name]) => name));
    expect(result[1]![1]['created']).toHaveLength(4);
    expect(result[2]![1]).toMatchObject({ created: [emails.get('one')], hasMoreChanges: true });
    // The first is Mailbox/changes: read with the BEGIN, and each of the others by a statement of its own.
    expect(trips[0]).toContain("type = 'Mailbox'");
    expect(trips.filter(readsTheLog)).toHaveLength(calls.length);
  });

  it('answers a sinceState or maxChanges it cannot use with the errors it always did', async () => {
    const newer = String(statesAfter.at(-1)! + 1);
    const asked: Array<Record<string, unknown>> = [
      { sinceState: newer },
      { sinceState: '9007199254740993' },
      { sinceState: '01' },
      { sinceState: 'banana' },
      { sinceState: '' },
      { sinceState: 7 },
      { sinceState: '0', maxChanges: 0 },
      { sinceState: '0', maxChanges: -1 },
      { sinceState: '0', maxChanges: 1.5 },
      { sinceState: '0', maxChanges: '5' },
      // Two emails changed in one transaction, and a page of one.
      { sinceState: String(statesAfter[1]), maxChanges: 1 },
    ];
    for (const args of asked) {
      const [answer] = await harness.jmap(alice, [
        ['Email/changes', { accountId: alice, ...args }, 'c'],
        getCreated(alice),
      ]);
      expect(answer).toEqual(await alone(alice, ['Email/changes', { accountId: alice, ...args }, 'c']));
      expect(answer![0]).toBe('error');
    }
    const types = async (args: Record<string, unknown>) =>
      (await harness.jmap(alice, fetchSince(alice, '0', args))).map(([, answer]) => answer['type']);
    expect(await types({ sinceState: newer })).toEqual(['cannotCalculateChanges', 'invalidResultReference']);
    expect(await types({ maxChanges: 0 })).toEqual(['invalidArguments', 'invalidResultReference']);
  });

  it('answers from the log it keeps, and from none for an account without states, as it always did', async () => {
    const pruned = randomUUID();
    const stateless = randomUUID();
    for (const account of [pruned, stateless]) {
      await harness.jmapMethod(account, 'Mailbox/get', {});
      await deliver(account, ['kept']);
      await deliver(account, ['kept too']);
    }
    const [{ modseq }] = (
      await harness.db.query<{ modseq: string }>(
        'UPDATE mailbox.account_state SET changes_horizon = modseq - 1 WHERE account_id = $1 RETURNING modseq',
        [pruned],
      )
    ).rows as [{ modseq: string }];
    await harness.db.query('DELETE FROM mailbox.account_state WHERE account_id = $1', [stateless]);

    const cases: Array<[string, Invocation]> = [
      [pruned, ['Email/changes', { accountId: pruned, sinceState: '0' }, 'c']],
      [pruned, ['Email/changes', { accountId: pruned, sinceState: String(Number(modseq) - 1) }, 'c']],
      [stateless, ['Email/changes', { accountId: stateless, sinceState: '0' }, 'c']],
      [stateless, ['Mailbox/changes', { accountId: stateless, sinceState: '0' }, 'c']],
      [stateless, ['Email/changes', { accountId: stateless, sinceState: '1' }, 'c']],
    ];
    const answers: Invocation[] = [];
    for (const [account, call] of cases) {
      const [answer] = (await harness.jmap(account, [
        call,
        ['Mailbox/get', { accountId: account, ids: [] }, 'm'],
      ])) as [Invocation, Invocation];
      expect(answer).toEqual(await alone(account, call));
      answers.push(answer);
    }
    expect(answers.map(([name, args]) => (name === 'error' ? args['type'] : args['newState']))).toEqual([
      'cannotCalculateChanges',
      modseq,
      '0',
      '0',
      'cannotCalculateChanges',
    ]);
    expect(answers[3]![1]).toMatchObject({ created: [], updated: [], destroyed: [] });
  });

  it("reads the caller's account alone, whatever account a /changes names", async () => {
    const { result, trips } = await roundTrips.ofSnapshot(() =>
      harness.jmap(alice, [
        ['Email/changes', { accountId: mallory, sinceState: '0' }, 'x'],
        ...fetchSince(alice, '0'),
      ]),
    );
    const [[refused, refusal], [, changes], [, got]] = result as [Invocation, Invocation, Invocation];
    expect([refused, refusal['type']]).toEqual(['error', 'accountNotFound']);
    expectAliceEverything(changes, got);
    expect(trips.join('\n')).not.toContain(mallory);

    const [[, mallorys]] = (await harness.jmap(mallory, fetchSince(mallory, '0'))) as [Invocation];
    const malloryIds = mallorys['created'] as string[];
    expect(malloryIds).toHaveLength(2);
    expect(malloryIds.filter((id) => [...emails.values()].includes(id))).toEqual([]);
  });

  it('pages by maxChanges as it always did', async () => {
    const pages: Array<Record<string, unknown>> = [];
    let sinceState = '0';
    for (;;) {
      const calls = fetchSince(alice, sinceState, { maxChanges: 2 });
      const { result, trips } = await roundTrips.ofSnapshot(() => harness.jmap(alice, calls));
      const [[, page], [, got]] = result as [Invocation, Invocation];
      expect(result[0]).toEqual(await alone(alice, calls[0]!));
      expect(trips.filter(readsTheLog)).toEqual([trips[0]]);
      pages.push({ ...page, subjects: (got['list'] as Array<{ subject: string }>).map((e) => e.subject) });
      if (page['hasMoreChanges'] !== true) break;
      sinceState = page['newState'] as string;
    }
    expect(pages).toMatchObject([
      { oldState: '0', newState: String(statesAfter[1]), hasMoreChanges: true, subjects: ['one', 'two'] },
      { oldState: String(statesAfter[1]), newState: String(statesAfter[2]), hasMoreChanges: false },
    ]);
    expect(pages).toHaveLength(2);
    expect([...(pages[1]!['subjects'] as string[])].sort()).toEqual(['four', 'three']);
  });
});
