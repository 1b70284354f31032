import { randomUUID } from 'node:crypto';
import {
  CORE_CAPABILITY,
  type Invocation,
  MAIL_CAPABILITY,
  NOT_JSON_ERROR,
  NOT_REQUEST_ERROR,
  SUBMISSION_CAPABILITY,
} from '@pushmail/jmap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangesRetentionService } from '../changes/changes-retention.service.js';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { JmapController } from './jmap.controller.js';

const using = [CORE_CAPABILITY, MAIL_CAPABILITY];

describe(JmapController.name, () => {
  let harness: MailboxTestApp;
  const alice = randomUUID();
  const mallory = randomUUID();
  let aliceIds: { first: string; second: string; reply: string };
  let malloryEmailId: string;
  let malloryThreadId: string;

  const post = (body: unknown, token?: string) => harness.postJmap(body, token ? { token } : {});
  const call = (accountId: string, methodCalls: Invocation[]) => harness.jmap(accountId, methodCalls);
  const deliver = async (
    accountId: string,
    subject: string,
    receivedAt: string,
    extra: { messageId?: string; inReplyTo?: string } = {},
  ) => {
    const result = await harness.app
      .get(StoreDeliveryUseCase)
      .execute([mailArrivedEvent(accountId, rawMessage({ subject, ...extra }), { receivedAt })]);
    return result.changes[0]!.createdEmailIds[0]!;
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    aliceIds = {
      first: await deliver(alice, 'first', '2026-03-01T10:00:00Z', { messageId: 'first@example.org' }),
      second: await deliver(alice, 'second', '2026-03-02T10:00:00Z'),
      reply: await deliver(alice, 'Re: first', '2026-03-03T10:00:00Z', { inReplyTo: 'first@example.org' }),
    };
    malloryEmailId = await deliver(mallory, 'secret', '2026-03-01T10:00:00Z', {
      messageId: 'first@example.org',
    });
    const [[, got]] = (await call(mallory, [
      ['Email/get', { accountId: mallory, ids: [malloryEmailId], properties: ['threadId'] }, 'm'],
    ])) as [Invocation];
    malloryThreadId = (got['list'] as Array<{ threadId: string }>)[0]!.threadId;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers Email/query then Email/get through a result reference', async () => {
    const [[, mailboxes]] = (await call(alice, [['Mailbox/get', { accountId: alice, ids: null }, 'm']])) as [
      Invocation,
    ];
    const inbox = (
      mailboxes['list'] as Array<{ id: string; role: string; totalEmails: number; unreadEmails: number }>
    ).find((mailbox) => mailbox.role === 'inbox')!;
    expect(inbox).toMatchObject({ totalEmails: 3, unreadEmails: 3 });
    expect(mailboxes['list']).toHaveLength(6);

    const responses = await call(alice, [
      ['Email/query', { accountId: alice, filter: { inMailbox: inbox.id }, calculateTotal: true }, 'q'],
      [
        'Email/get',
        {
          accountId: alice,
          '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
          properties: ['subject', 'threadId', 'bodyValues', 'textBody'],
          fetchTextBodyValues: true,
          maxBodyValueBytes: 7,
        },
        'g',
      ],
    ]);

    expect(responses[0]).toEqual([
      'Email/query',
      {
        accountId: alice,
        queryState: '3',
        canCalculateChanges: true,
        position: 0,
        ids: [aliceIds.reply, aliceIds.second, aliceIds.first],
        total: 3,
        limit: 50,
      },
      'q',
    ]);
    const [name, got] = responses[1]!;
    expect(name).toBe('Email/get');
    const list = got['list'] as Array<{
      id: string;
      subject: string;
      threadId: string;
      bodyValues: Record<string, unknown>;
    }>;
    expect(list.map((email) => email.subject)).toEqual(['Re: first', 'second', 'first']);
    expect(list[0]!.threadId).toBe(list[2]!.threadId);
    expect(list[1]!.threadId).not.toBe(list[0]!.threadId);
    expect(list[2]!.bodyValues).toEqual({
      p1: { value: 'Body of', isEncodingProblem: false, isTruncated: true },
    });
    expect(got['state']).toBe('3');
  });

  it('answers Mailbox/get without counts the same mailboxes, in the same order, as with them', async () => {
    const named = ['id', 'name', 'parentId', 'role'];
    const answers = (await call(alice, [
      ['Mailbox/get', { accountId: alice, ids: null }, 'full'],
      ['Mailbox/get', { accountId: alice, ids: null, properties: named }, 'partial'],
      ['Mailbox/get', { accountId: alice, ids: null, properties: ['id', 'unreadEmails'] }, 'one'],
    ])) as Invocation[];
    const [full, partial, oneCounted] = answers.map((answer) => answer[1]);
    const fullList = full!['list'] as Array<Record<string, unknown>>;
    expect(fullList.find((mailbox) => mailbox['role'] === 'inbox')).toMatchObject({ totalEmails: 3 });
    expect(partial!['list']).toEqual(
      fullList.map((mailbox) => Object.fromEntries(named.map((property) => [property, mailbox[property]]))),
    );
    expect(partial!['state']).toBe(full!['state']);
    expect(oneCounted!['list']).toEqual(
      fullList.map((mailbox) => ({ id: mailbox['id'], unreadEmails: mailbox['unreadEmails'] })),
    );
  });

  it('sorts ascending and pages when asked', async () => {
    const [[, page]] = (await call(alice, [
      [
        'Email/query',
        { accountId: alice, sort: [{ property: 'receivedAt', isAscending: true }], position: 1, limit: 1 },
        'q',
      ],
    ])) as [Invocation];
    expect(page).toMatchObject({ ids: [aliceIds.second], position: 1 });
    expect(page).not.toHaveProperty('limit');

    const [[type, error]] = (await call(alice, [
      ['Email/query', { accountId: alice, sort: [{ property: 'color' }] }, 'q'],
    ])) as [Invocation];
    expect([type, error['type']]).toEqual(['error', 'unsupportedSort']);
  });

  it('lists every change since state 0 and pages by maxChanges', async () => {
    const [[, all]] = (await call(alice, [
      ['Email/changes', { accountId: alice, sinceState: '0' }, 'c'],
    ])) as [Invocation];
    expect(all).toEqual({
      accountId: alice,
      oldState: '0',
      newState: '3',
      hasMoreChanges: false,
      created: [aliceIds.first, aliceIds.second, aliceIds.reply],
      updated: [],
      destroyed: [],
    });

    const [[, firstPage]] = (await call(alice, [
      ['Email/changes', { accountId: alice, sinceState: '0', maxChanges: 2 }, 'c'],
    ])) as [Invocation];
    expect(firstPage).toMatchObject({
      newState: '2',
      hasMoreChanges: true,
      created: [aliceIds.first, aliceIds.second],
    });
    const [[, rest]] = (await call(alice, [
      ['Email/changes', { accountId: alice, sinceState: '2', maxChanges: 2 }, 'c'],
    ])) as [Invocation];
    expect(rest).toMatchObject({ newState: '3', hasMoreChanges: false, created: [aliceIds.reply] });

    const [[, threads]] = (await call(alice, [
      ['Thread/changes', { accountId: alice, sinceState: '2' }, 't'],
    ])) as [Invocation];
    expect(threads).toMatchObject({ created: [], updated: [expect.any(String)] });
    const [[, mailboxes]] = (await call(alice, [
      ['Mailbox/changes', { accountId: alice, sinceState: '1' }, 'm'],
    ])) as [Invocation];
    expect(mailboxes).toMatchObject({ created: [], updated: [expect.any(String)], updatedProperties: null });
  });

  it('refuses changes from a state it cannot answer', async () => {
    const responses = await call(alice, [
      ['Email/changes', { accountId: alice, sinceState: 'banana' }, 'a'],
      ['Email/changes', { accountId: alice, sinceState: '99' }, 'b'],
      ['Email/changes', { accountId: alice, sinceState: '0', maxChanges: 0 }, 'c'],
      ['Email/changes', { accountId: alice }, 'd'],
    ]);
    expect(responses.map(([name, args]) => [name, args['type']])).toEqual([
      ['error', 'cannotCalculateChanges'],
      ['error', 'cannotCalculateChanges'],
      ['error', 'invalidArguments'],
      ['error', 'invalidArguments'],
    ]);
  });

  it("never returns another account's email, thread or changes", async () => {
    const responses = await call(alice, [
      [
        'Email/get',
        { accountId: alice, ids: [malloryEmailId, aliceIds.first], properties: ['subject'] },
        'g',
      ],
      ['Thread/get', { accountId: alice, ids: [malloryThreadId] }, 't'],
      ['Email/query', { accountId: alice, limit: 500 }, 'q'],
      ['Email/get', { accountId: mallory, ids: [malloryEmailId] }, 'x'],
    ]);

    expect(responses[0]![1]).toMatchObject({
      list: [{ id: aliceIds.first, subject: 'first' }],
      notFound: [malloryEmailId],
    });
    expect(responses[1]![1]).toMatchObject({ list: [], notFound: [malloryThreadId] });
    expect(responses[2]![1]['ids']).not.toContain(malloryEmailId);
    expect(responses[3]).toEqual([
      'error',
      { type: 'accountNotFound', description: expect.any(String) },
      'x',
    ]);
    expect(JSON.stringify(responses)).not.toContain('secret');
    // Mallory's message shares a Message-ID with Alice's first, but threads never cross accounts.
    expect(malloryThreadId).not.toBe((responses[0]![1]['list'] as Array<{ threadId?: string }>)[0]!.threadId);
  });

  it('answers Thread/get with the emails of a thread, oldest first', async () => {
    const [[, got]] = (await call(alice, [
      ['Email/get', { accountId: alice, ids: [aliceIds.reply], properties: ['threadId'] }, 'g'],
    ])) as [Invocation];
    const threadId = (got['list'] as Array<{ threadId: string }>)[0]!.threadId;
    const [[, threads]] = (await call(alice, [
      ['Thread/get', { accountId: alice, ids: [threadId] }, 't'],
    ])) as [Invocation];
    expect(threads['list']).toEqual([{ id: threadId, emailIds: [aliceIds.first, aliceIds.reply] }]);
  });

  it('reports the current states for a push catch-up', async () => {
    const response = await fetch(`${harness.baseUrl}/internal/jmap/state/${alice}`, {
      headers: { authorization: `Bearer ${harness.internalToken}` },
    });
    expect(await response.json()).toEqual({
      state: '3',
      changed: {
        Email: '3',
        Mailbox: '3',
        Thread: '3',
        EmailDelivery: '3',
        VacationResponse: '0',
        Identity: '0',
        EmailSubmission: '0',
      },
    });

    const unknown = await fetch(`${harness.baseUrl}/internal/jmap/state/${randomUUID()}`, {
      headers: { authorization: `Bearer ${harness.internalToken}` },
    });
    expect(await unknown.json()).toEqual({
      state: '0',
      changed: {
        Email: '0',
        Mailbox: '0',
        Thread: '0',
        EmailDelivery: '0',
        VacationResponse: '0',
        Identity: '0',
        EmailSubmission: '0',
      },
    });
  });

  it('refuses callers without the internal token and malformed requests', async () => {
    const unauthorised = await post(
      { accountId: alice, request: { using, methodCalls: [] } },
      'not-the-token-not-the-token',
    );
    expect(unauthorised.status).toBe(401);
    const stateUnauthorised = await fetch(`${harness.baseUrl}/internal/jmap/state/${alice}`);
    expect(stateUnauthorised.status).toBe(401);

    const notJson = await post('{"accountId":');
    expect(notJson).toMatchObject({ status: 400, body: { type: NOT_JSON_ERROR } });
    const notRequest = await post({ accountId: alice, request: { using, methodCalls: 'nope' } });
    expect(notRequest).toMatchObject({
      status: 400,
      body: { type: NOT_REQUEST_ERROR },
    });
    const badAccount = await post({ accountId: 'alice', request: { using, methodCalls: [] } });
    expect(badAccount.status).toBe(400);
    const unknownMethod = await call(alice, [['Email/frobnicate', { accountId: alice }, 'x']]);
    expect(unknownMethod[0]![1]['type']).toBe('unknownMethod');
  });

  it('answers invalidArguments to any method of the account called without its accountId', async () => {
    const names = [
      ...['Mailbox/get', 'Mailbox/changes', 'Mailbox/query', 'Mailbox/queryChanges', 'Mailbox/set'],
      ...['Email/get', 'Email/query', 'Email/queryChanges', 'Email/changes', 'Email/set'],
      ...['Email/import', 'Email/parse', 'Email/copy', 'Thread/get', 'Thread/changes'],
      ...['SearchSnippet/get', 'Identity/get'],
    ];
    const response = await post({
      accountId: alice,
      request: {
        using: [...using, SUBMISSION_CAPABILITY],
        methodCalls: names.map((name, index): Invocation => [name, {}, `c${index}`]),
      },
    });
    const responses = response.body['methodResponses'] as Invocation[];
    expect(responses).toHaveLength(names.length);
    for (const [name, args] of responses) {
      expect(name).toBe('error');
      expect(args).toEqual({ type: 'invalidArguments', description: '"accountId" is required' });
    }
  });

  it('echoes Core/echo and answers sessionState', async () => {
    const response = await post({
      accountId: alice,
      request: { using, methodCalls: [['Core/echo', { hello: true }, 'e']] },
    });
    expect(response.body).toEqual({
      methodResponses: [['Core/echo', { hello: true }, 'e']],
      sessionState: expect.any(String),
    });
  });

  it('answers cannotCalculateChanges once the log before a state has been pruned', async () => {
    await harness.app.get(ChangesRetentionService).prune(0);

    const responses = await call(alice, [
      ['Email/changes', { accountId: alice, sinceState: '0' }, 'old'],
      ['Email/changes', { accountId: alice, sinceState: '3' }, 'now'],
    ]);
    expect(responses[0]).toEqual([
      'error',
      { type: 'cannotCalculateChanges', description: expect.any(String) },
      'old',
    ]);
    expect(responses[1]![1]).toMatchObject({ oldState: '3', newState: '3', created: [] });
  });

  it('moves every mailbox below a changed one in Mailbox/queryChanges of a tree', async () => {
    const owner = randomUUID();
    await deliver(owner, 'hello', '2026-03-04T10:00:00Z');
    const method = (name: string, args: Record<string, unknown>) => harness.jmapMethod(owner, name, args);
    const created = await method('Mailbox/set', {
      create: {
        work: { name: 'Work', parentId: null, sortOrder: 1 },
        clients: { name: 'Clients', parentId: '#work' },
        later: { name: 'Later', parentId: null, sortOrder: 5 },
      },
    });
    const idOf = (key: string) => (created['created'] as Record<string, { id: string }>)[key]!.id;
    const query = { sortAsTree: true, filter: { hasAnyRole: false } };
    const before = await method('Mailbox/query', query);
    expect(before['ids']).toEqual([idOf('work'), idOf('clients'), idOf('later')]);

    await method('Mailbox/set', { update: { [idOf('work')]: { sortOrder: 10 } } });
    const delta = await method('Mailbox/queryChanges', { ...query, sinceQueryState: before['queryState'] });
    const after = await method('Mailbox/query', query);
    expect(after['ids']).toEqual([idOf('later'), idOf('work'), idOf('clients')]);
    expect(delta['removed']).toEqual([idOf('work'), idOf('clients')].sort());
    const applied = (before['ids'] as string[]).filter((id) => !(delta['removed'] as string[]).includes(id));
    for (const { id, index } of delta['added'] as Array<{ id: string; index: number }>)
      applied.splice(index, 0, id);
    expect(applied).toEqual(after['ids']);
  });
});
