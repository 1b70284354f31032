import { randomUUID } from 'node:crypto';
import type { Invocation } from '@pushmail/jmap';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { JmapService } from './jmap.service.js';
import { EmailMethods } from './methods/email.methods.js';

describe(`${JmapService.name} snapshots`, () => {
  let harness: MailboxTestApp;
  const alice = randomUUID();

  const deliver = async (subject: string): Promise<string> => {
    const result = await harness.app
      .get(StoreDeliveryUseCase)
      .execute([mailArrivedEvent(alice, rawMessage({ subject }))]);
    return result.changes[0]!.createdEmailIds[0]!;
  };
  const answers = (responses: Invocation[]): Record<string, Record<string, unknown>> =>
    Object.fromEntries(responses.map(([name, result, tag]) => [tag, { name, ...result }]));

  /** Each Email/query of the request, once answered, is followed by a delivery that commits. */
  const deliverAfterEachQuery = () => {
    const emails = harness.app.get(EmailMethods);
    const query = emails.query.bind(emails);
    return vi.spyOn(emails, 'query').mockImplementation(async (args, context) => {
      const answer = await query(args, context);
      await deliver('arrives between two methods');
      return answer;
    });
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    await deliver('first');
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await harness?.close();
  });

  it('answers every method of a read-only request from one snapshot, whatever commits meanwhile', async () => {
    const spy = deliverAfterEachQuery();
    const responses = answers(
      await harness.jmap(alice, [
        ['Email/query', { accountId: alice }, 'q'],
        ['Email/get', { accountId: alice, ids: [] }, 's'],
        ['Mailbox/get', { accountId: alice, ids: null, properties: ['role', 'totalEmails'] }, 'm'],
        ['Email/changes', { accountId: alice, sinceState: '0' }, 'c'],
      ]),
    );
    spy.mockRestore();
    expect(responses['q']!['name']).toBe('Email/query');
    const listed = responses['q']!['ids'] as string[];
    // The state is the listing's: a client that syncs from it is later told of the mail it missed.
    expect(responses['s']!['state']).toBe(responses['q']!['queryState']);
    const inbox = (responses['m']!['list'] as Array<{ role: string; totalEmails: number }>).find(
      (mailbox) => mailbox.role === 'inbox',
    )!;
    expect(inbox.totalEmails).toBe(listed.length);
    expect(responses['c']!['newState']).toBe(responses['q']!['queryState']);
    expect((responses['c']!['created'] as string[]).sort()).toEqual([...listed].sort());

    // The delivery did commit: the next request sees it.
    const [[, after]] = (await harness.jmap(alice, [['Email/query', { accountId: alice }, 'q']])) as [
      Invocation,
    ];
    expect(after['ids']).toHaveLength(listed.length + 1);
  });

  it('lets a request that writes see its own writes: its methods read their own snapshots', async () => {
    const [[, before]] = (await harness.jmap(alice, [['Email/query', { accountId: alice }, 'q']])) as [
      Invocation,
    ];
    const id = (before['ids'] as string[])[0]!;
    const responses = answers(
      await harness.jmap(alice, [
        ['Email/query', { accountId: alice }, 'q'],
        ['Email/set', { accountId: alice, update: { [id]: { 'keywords/$seen': true } } }, 'w'],
        ['Email/get', { accountId: alice, ids: [id], properties: ['keywords'] }, 'g'],
      ]),
    );
    expect(responses['w']!['updated']).toEqual({ [id]: null });
    expect(responses['g']!['list']).toEqual([{ id, keywords: { $seen: true } }]);
    expect(responses['g']!['state']).toBe(responses['w']!['newState']);
  });
});
