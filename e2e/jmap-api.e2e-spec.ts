import { CORE_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectEventually, sendMail, splitTraceFields } from '@pushmail/testing';
import { openWebSocket, useJmapSuite } from './jmap-client-kit.js';

type Args = Record<string, unknown>;

describe('JMAP mail API: blobs, queries and errors', () => {
  const jmap = useJmapSuite('jmap-api');

  const errorOf = (method: string, args: Args): Promise<unknown> =>
    jmap.call(method, args).then(
      (data) => ({ unexpectedSuccess: data }),
      (error: unknown) => error,
    );
  const raw = (fields: {
    subject: string;
    messageId: string;
    inReplyTo?: string;
    from?: string;
    body?: string;
    date?: string;
  }) =>
    [
      `From: ${fields.from ?? 'Ada Lovelace <ada@elsewhere.example>'}`,
      `To: ${jmap.account.address}`,
      `Subject: ${fields.subject}`,
      `Date: ${fields.date ?? 'Tue, 03 Mar 2026 10:15:00 +0000'}`,
      `Message-ID: <${fields.messageId}>`,
      ...(fields.inReplyTo
        ? [`In-Reply-To: <${fields.inReplyTo}>`, `References: <${fields.inReplyTo}>`]
        : []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      fields.body ?? `Body of ${fields.subject}.`,
      '',
    ].join('\r\n');
  const deliver = async (message: string): Promise<string> => {
    const before = new Set(await allIds());
    const result = await sendMail(jmap.platform.smtp.host, jmap.platform.smtp.port, {
      from: 'ada@elsewhere.example',
      to: [jmap.account.address],
      message: Buffer.from(message, 'utf8'),
    });
    expect(result.data?.code).toBe(250);
    return expectEventually(async () => {
      const added = (await allIds()).filter((id) => !before.has(id));
      expect(added).toHaveLength(1);
      return added[0]!;
    });
  };
  const allIds = async (): Promise<string[]> =>
    (await jmap.call('Email/query', { limit: 500 }))['ids'] as string[];
  const getEmail = async (id: string, properties: string[]): Promise<Args> =>
    ((await jmap.call('Email/get', { ids: [id], properties }))['list'] as Args[])[0]!;

  it("downloads a message's raw bytes exactly as they were sent over SMTP, after ingest's trace fields", async () => {
    const message = raw({
      subject: 'Byte for byte',
      messageId: `${randomUUID()}@elsewhere.example`,
      body: 'Grüße — ünïcödé\r\n..a dot-stuffed line',
    });
    const id = await deliver(message);
    const email = await getEmail(id, ['blobId', 'size', 'textBody']);

    const response = await jmap.device.jam.downloadBlob({
      accountId: jmap.account.accountId,
      blobId: email['blobId'] as string,
      mimeType: 'message/rfc822',
      fileName: 'message.eml',
    });
    expect(response.headers.get('content-type')).toBe('message/rfc822');
    expect(response.headers.get('content-disposition')).toContain('message.eml');
    const stored = Buffer.from(await response.arrayBuffer());
    const { trace, sent } = splitTraceFields(stored);
    expect(trace).toMatch(
      /^Return-Path: <[^>]*>\r\n(?:(?:Authentication-Results|Received-SPF): [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)*Received: from [^\r\n]+\r\n(?:\t[^\r\n]+\r\n)+$/,
    );
    expect(sent.equals(Buffer.from(message, 'utf8'))).toBe(true);
    expect(email['size']).toBe(stored.length);

    const textPart = (email['textBody'] as Array<{ blobId: string }>)[0]!;
    const part = await jmap.device.jam.downloadBlob({
      accountId: jmap.account.accountId,
      blobId: textPart.blobId,
      mimeType: 'text/plain',
      fileName: 'body.txt',
    });
    expect(await part.text()).toContain('Grüße — ünïcödé');

    const missing = await jmap.device.jam
      .downloadBlob({
        accountId: jmap.account.accountId,
        blobId: `B${'0'.repeat(64)}`,
        mimeType: 'text/plain',
        fileName: 'x',
      })
      .catch((error: Error) => error.cause);
    expect(missing).toMatchObject({ status: 404 });
  });

  it('imports an uploaded message as an email, and parses one without storing it', async () => {
    const message = raw({
      subject: 'Imported',
      messageId: `${randomUUID()}@elsewhere.example`,
      from: 'Bob <bob@elsewhere.example>',
    });
    const uploaded = await jmap.device.jam.uploadBlob(
      jmap.account.accountId,
      new Blob([message], { type: 'message/rfc822' }),
    );
    expect(uploaded).toMatchObject({
      accountId: jmap.account.accountId,
      type: 'message/rfc822',
      size: Buffer.byteLength(message),
    });

    const parsed = await jmap.call('Email/parse', {
      blobIds: [uploaded.blobId, `B${'1'.repeat(64)}`],
      properties: ['subject', 'from', 'id'],
    });
    expect(parsed['parsed']).toEqual({
      [uploaded.blobId]: {
        subject: 'Imported',
        from: [{ name: 'Bob', email: 'bob@elsewhere.example' }],
        id: null,
      },
    });
    expect(parsed['notFound']).toEqual([`B${'1'.repeat(64)}`]);

    const before = (await jmap.call('Email/get', { ids: [] }))['state'] as string;
    const imported = await jmap.call('Email/import', {
      ifInState: before,
      emails: {
        one: {
          blobId: uploaded.blobId,
          mailboxIds: { [jmap.roles['archive']!]: true },
          keywords: { $seen: true },
          receivedAt: '2026-01-02T03:04:05Z',
        },
        missing: { blobId: `B${'2'.repeat(64)}`, mailboxIds: { [jmap.roles['archive']!]: true } },
      },
    });
    const created = (imported['created'] as Record<string, Args>)['one']!;
    expect(created).toMatchObject({ blobId: uploaded.blobId, size: Buffer.byteLength(message) });
    expect((imported['notCreated'] as Record<string, Args>)['missing']).toMatchObject({
      type: 'invalidProperties',
      properties: ['blobId'],
    });
    expect(
      await getEmail(created['id'] as string, [
        'subject',
        'mailboxIds',
        'keywords',
        'receivedAt',
        'threadId',
      ]),
    ).toMatchObject({
      subject: 'Imported',
      mailboxIds: { [jmap.roles['archive']!]: true },
      keywords: { $seen: true },
      receivedAt: '2026-01-02T03:04:05Z',
      threadId: created['threadId'],
    });
    const stale = await errorOf('Email/import', {
      ifInState: before,
      emails: { again: { blobId: uploaded.blobId, mailboxIds: { [jmap.roles['inbox']!]: true } } },
    });
    expect(stale).toMatchObject({ type: 'stateMismatch' });
  });

  it('threads replies by their references and base subject, also when the reply arrives first', async () => {
    const root = `${randomUUID()}@elsewhere.example`;
    const reply = await deliver(
      raw({ subject: 'Re: Lunch plans', messageId: `${randomUUID()}@elsewhere.example`, inReplyTo: root }),
    );
    const original = await deliver(raw({ subject: 'Lunch plans', messageId: root }));
    const sameTopic = await deliver(
      raw({
        subject: 'RE: Fwd: lunch plans',
        messageId: `${randomUUID()}@elsewhere.example`,
        inReplyTo: root,
      }),
    );
    const newTopic = await deliver(
      raw({
        subject: 'Something else entirely',
        messageId: `${randomUUID()}@elsewhere.example`,
        inReplyTo: root,
      }),
    );

    const threads = await jmap.call('Email/get', {
      ids: [reply, original, sameTopic, newTopic],
      properties: ['threadId'],
    });
    const [a, b, c, d] = (threads['list'] as Array<{ threadId: string }>).map((email) => email.threadId);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    const [thread] = (await jmap.call('Thread/get', { ids: [a] }))['list'] as Array<{ emailIds: string[] }>;
    expect(thread!.emailIds.sort()).toEqual([reply, original, sameTopic].sort());
  });

  it('filters and sorts Email/query, collapses threads, and keeps query results in step with queryChanges', async () => {
    const tag = randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (const [index, from] of [
      'Zed <z@elsewhere.example>',
      'Amy <a@elsewhere.example>',
      'Mia <m@elsewhere.example>',
    ].entries()) {
      ids.push(
        await deliver(
          raw({
            subject: `${tag} report ${index}`,
            messageId: `${tag}-${index}@elsewhere.example`,
            from,
            body: `quarterly ${tag} numbers ${'x'.repeat(index * 500)}`,
          }),
        ),
      );
    }
    await jmap.call('Email/set', { update: { [ids[1]!]: { 'keywords/$flagged': true } } });

    const query = async (args: Args) =>
      (await jmap.call('Email/query', { filter: { text: tag }, ...args }))['ids'] as string[];
    expect(await query({ sort: [{ property: 'from', isAscending: true }] })).toEqual([
      ids[1],
      ids[2],
      ids[0],
    ]);
    expect(await query({ sort: [{ property: 'size', isAscending: false }] })).toEqual([
      ids[2],
      ids[1],
      ids[0],
    ]);
    expect(
      await query({
        sort: [{ property: 'hasKeyword', keyword: '$flagged', isAscending: false }, { property: 'subject' }],
      }),
    ).toEqual([ids[1], ids[0], ids[2]]);
    expect(
      await query({ filter: { operator: 'AND', conditions: [{ text: tag }, { hasKeyword: '$flagged' }] } }),
    ).toEqual([ids[1]]);
    expect(
      await query({
        filter: {
          operator: 'AND',
          conditions: [{ body: tag }, { operator: 'NOT', conditions: [{ from: 'amy' }, { from: 'zed' }] }],
        },
      }),
    ).toEqual([ids[2]]);
    expect(
      await query({
        filter: {
          operator: 'AND',
          conditions: [
            { text: tag },
            { operator: 'OR', conditions: [{ from: 'a@elsewhere' }, { subject: `${tag} report 0` }] },
          ],
        },
        sort: [{ property: 'subject' }],
      }),
    ).toEqual([ids[0], ids[1]]);
    expect(
      await query({
        filter: {
          text: tag,
          after: '2000-01-01T00:00:00Z',
          before: '2100-01-01T00:00:00Z',
          hasAttachment: false,
          inMailbox: jmap.roles['inbox'],
        },
      }),
    ).toHaveLength(3);
    expect(await query({ filter: { text: tag, inMailboxOtherThan: [jmap.roles['inbox']] } })).toEqual([]);
    expect(
      await query({
        filter: { text: tag, notKeyword: '$flagged' },
        sort: [{ property: 'receivedAt', isAscending: true }],
      }),
    ).toEqual([ids[0], ids[2]]);
    const page = await jmap.call('Email/query', {
      filter: { text: tag },
      sort: [{ property: 'subject' }],
      anchor: ids[1],
      anchorOffset: 1,
      limit: 5,
      calculateTotal: true,
    });
    expect(page).toMatchObject({ ids: [ids[2]], position: 2, total: 3 });
    const badAnchor = await errorOf('Email/query', { anchor: 'Mnonexistent' });
    expect(badAnchor).toMatchObject({ type: 'anchorNotFound' });

    const snippets = await jmap.call('SearchSnippet/get', {
      filter: { text: 'quarterly' },
      emailIds: [ids[0], 'Mmissing'],
    });
    expect(snippets['list']).toEqual([
      { emailId: ids[0], subject: null, preview: expect.stringContaining('<mark>quarterly</mark>') },
    ]);
    expect(snippets['notFound']).toEqual(['Mmissing']);

    // Query changes: a client holding the old results and applying the delta gets the new ones.
    const sorted = { filter: { text: tag }, sort: [{ property: 'subject', isAscending: true }] };
    const old = await jmap.call('Email/query', sorted);
    await jmap.call('Email/set', {
      update: {
        [ids[0]!]: {
          [`mailboxIds/${jmap.roles['inbox']}`]: null,
          [`mailboxIds/${jmap.roles['archive']}`]: true,
        },
      },
    });
    const fourth = await deliver(
      raw({
        subject: `${tag} report 1b`,
        messageId: `${tag}-1b@elsewhere.example`,
        body: `quarterly ${tag}`,
      }),
    );
    await jmap.call('Email/set', { destroy: [ids[2]] });
    const delta = await jmap.call('Email/queryChanges', { ...sorted, sinceQueryState: old['queryState'] });
    const applied = (old['ids'] as string[]).filter((id) => !(delta['removed'] as string[]).includes(id));
    for (const { id, index } of delta['added'] as Array<{ id: string; index: number }>)
      applied.splice(index, 0, id);
    const now = await jmap.call('Email/query', sorted);
    expect(applied).toEqual(now['ids']);
    expect(now['ids']).toEqual([ids[0], ids[1], fourth]);
    expect(delta['newQueryState']).toBe(now['queryState']);
    const tooMany = await errorOf('Email/queryChanges', {
      ...sorted,
      sinceQueryState: old['queryState'],
      maxChanges: 1,
    });
    expect(tooMany).toMatchObject({ type: 'tooManyChanges' });

    const collapsed = await jmap.call('Email/query', {
      collapseThreads: true,
      filter: { inMailbox: jmap.roles['inbox'] },
      limit: 500,
    });
    const threadIds = (
      (await jmap.call('Email/get', { ids: collapsed['ids'], properties: ['threadId'] }))['list'] as Array<{
        threadId: string;
      }>
    ).map((email) => email.threadId);
    expect(new Set(threadIds).size).toBe(threadIds.length);
  });

  it('nests mailboxes, refuses cycles, duplicate names and deleting role mailboxes, and keeps Mailbox queries in step', async () => {
    const oldQuery = await jmap.call('Mailbox/query', { sortAsTree: true, filter: { hasAnyRole: false } });
    const created = await jmap.call('Mailbox/set', {
      create: {
        work: { name: 'Work', parentId: null },
        clients: { name: 'Clients', parentId: '#work', sortOrder: 3 },
        clash: { name: 'work', parentId: null },
      },
    });
    const workId = (created['created'] as Record<string, { id: string }>)['work']!.id;
    const clientsId = (created['created'] as Record<string, { id: string }>)['clients']!.id;
    expect((created['notCreated'] as Record<string, Args>)['clash']).toMatchObject({
      type: 'invalidProperties',
      properties: ['name'],
    });

    const refused = await jmap.call('Mailbox/set', {
      update: { [workId]: { parentId: clientsId }, [jmap.roles['inbox']!]: { role: 'archive' } },
      destroy: [jmap.roles['trash']!, workId],
    });
    expect(refused['notUpdated']).toMatchObject({
      [workId]: { type: 'invalidProperties', properties: ['parentId'] },
      [jmap.roles['inbox']!]: { type: 'forbidden' },
    });
    expect(refused['notDestroyed']).toMatchObject({
      [jmap.roles['trash']!]: { type: 'forbidden' },
      [workId]: { type: 'mailboxHasChild' },
    });

    const [someId] = (await jmap.call('Email/query', { filter: { inMailbox: jmap.roles['inbox'] } }))[
      'ids'
    ] as [string];
    await jmap.call('Email/set', { update: { [someId]: { [`mailboxIds/${clientsId}`]: true } } });
    const hasEmail = await jmap.call('Mailbox/set', { destroy: [clientsId] });
    expect((hasEmail['notDestroyed'] as Record<string, Args>)[clientsId]).toMatchObject({
      type: 'mailboxHasEmail',
    });
    const counted = ((await jmap.call('Mailbox/get', { ids: [clientsId] }))['list'] as Args[])[0]!;
    expect(counted).toMatchObject({ parentId: workId, totalEmails: 1, totalThreads: 1 });

    const delta = await jmap.call('Mailbox/queryChanges', {
      sortAsTree: true,
      filter: { hasAnyRole: false },
      sinceQueryState: oldQuery['queryState'],
    });
    const now = await jmap.call('Mailbox/query', { sortAsTree: true, filter: { hasAnyRole: false } });
    const applied = (oldQuery['ids'] as string[]).filter(
      (id) => !(delta['removed'] as string[]).includes(id),
    );
    for (const { id, index } of delta['added'] as Array<{ id: string; index: number }>)
      applied.splice(index, 0, id);
    expect(applied).toEqual(now['ids']);
    expect(now['ids']).toEqual([workId, clientsId]);

    const gone = await jmap.call('Mailbox/set', {
      destroy: [clientsId, workId],
      onDestroyRemoveEmails: true,
    });
    expect((gone['destroyed'] as string[]).sort()).toEqual([clientsId, workId].sort());
    expect(await getEmail(someId, ['mailboxIds'])).toEqual({
      id: someId,
      mailboxIds: { [jmap.roles['inbox']!]: true },
    });
  });

  it('gives a client the body structure, header properties and the bytes of every part', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% attached\n%%EOF\n');
    const message = [
      'From: =?utf-8?q?Ada_L=C3=B6velace?= <ada@elsewhere.example>',
      `To: ${jmap.account.address}`,
      'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= with parts',
      `Message-ID: <${randomUUID()}@elsewhere.example>`,
      'X-Tag: one',
      'X-Tag: two',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: multipart/alternative; boundary="a"',
      '',
      '--a',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=E9',
      '--a',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Café</p>',
      '--a--',
      '--m',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--m--',
      '',
    ].join('\r\n');
    const id = await deliver(message);
    const email = (
      (
        await jmap.call('Email/get', {
          ids: [id],
          properties: [
            'bodyStructure',
            'bodyValues',
            'header:Subject:asText',
            'header:From:asAddresses',
            'header:X-Tag:all',
          ],
          bodyProperties: [
            'partId',
            'blobId',
            'size',
            'type',
            'charset',
            'name',
            'header:Content-Type:asText',
          ],
          fetchAllBodyValues: true,
        })
      )['list'] as Args[]
    )[0]!;
    expect(email['header:Subject:asText']).toBe('Grüße with parts');
    expect(email['header:From:asAddresses']).toEqual([
      { name: 'Ada Lövelace', email: 'ada@elsewhere.example' },
    ]);
    expect(email['header:X-Tag:all']).toEqual([' one', ' two']);
    type Part = Args & { subParts?: Part[]; partId: string | null; blobId: string | null };
    const root = email['bodyStructure'] as Part;
    expect(root).toMatchObject({ type: 'multipart/mixed', partId: null });
    const [alternative, attachment] = root.subParts as [Part, Part];
    expect(alternative.subParts!.map((part) => [part['type'], part['charset']])).toEqual([
      ['text/plain', 'iso-8859-1'],
      ['text/html', 'utf-8'],
    ]);
    expect(attachment).toMatchObject({
      type: 'application/pdf',
      name: 'report.pdf',
      size: pdf.length,
      'header:Content-Type:asText': 'application/pdf; name="report.pdf"',
    });
    const values = email['bodyValues'] as Record<string, { value: string }>;
    expect(values[alternative.subParts![0]!.partId!]!.value).toBe('Café');

    const response = await jmap.device.jam.downloadBlob({
      accountId: jmap.account.accountId,
      blobId: attachment.blobId!,
      mimeType: 'application/pdf',
      fileName: 'report.pdf',
    });
    expect(Buffer.from(await response.arrayBuffer()).equals(pdf)).toBe(true);

    const refused = await errorOf('Email/get', { ids: [id], properties: ['header:X-Bad\u0001Name'] });
    expect(refused).toMatchObject({ type: 'invalidArguments' });
  });

  it('answers the standard method errors', async () => {
    const id = (await allIds())[0]!;
    const cases: Array<[string, Args, string]> = [
      ['Email/frobnicate', {}, 'unknownMethod'],
      ['Email/get', { ids: 'not-a-list' }, 'invalidArguments'],
      ['Email/get', { ids: Array.from({ length: 501 }, (_, index) => `M${index}`) }, 'requestTooLarge'],
      ['Email/set', { destroy: Array.from({ length: 501 }, (_, index) => `M${index}`) }, 'requestTooLarge'],
      ['Email/set', { ifInState: '999999', update: { [id]: { 'keywords/$seen': true } } }, 'stateMismatch'],
      ['Email/changes', { sinceState: 'bogus' }, 'cannotCalculateChanges'],
      ['Email/query', { filter: { color: 'red' } }, 'unsupportedFilter'],
      ['Email/query', { filter: { header: ['X-Spam\u0000'] } }, 'invalidArguments'],
      ['Email/query', { sort: [{ property: 'color' }] }, 'unsupportedSort'],
      ['Email/copy', { fromAccountId: jmap.account.accountId, create: {} }, 'invalidArguments'],
      ['Email/copy', { fromAccountId: randomUUID(), create: {} }, 'fromAccountNotFound'],
      ['Email/get', { accountId: randomUUID(), ids: [] }, 'accountNotFound'],
    ];
    for (const [method, args, type] of cases) {
      expect({ method, error: await errorOf(method, args) }).toMatchObject({ method, error: { type } });
    }
    const [responses] = await jmap.device.jam
      .requestMany((t) => ({
        q: t.Email.query({ accountId: jmap.account.accountId }),
        g: t.Email.get({
          accountId: jmap.account.accountId,
          ids: t.Email.query({ accountId: jmap.account.accountId }).$ref('/nope'),
        }),
      }))
      .catch((errors: unknown) => [errors]);
    expect(responses).toEqual([expect.objectContaining({ type: 'invalidResultReference' })]);

    const set = await jmap.call('Email/set', {
      update: { Mnope: { 'keywords/$seen': true }, [id]: { subject: 'immutable' } },
      destroy: ['Mnope'],
      create: { bad: { mailboxIds: {} } },
    });
    expect(set).toMatchObject({
      notUpdated: {
        Mnope: { type: 'notFound' },
        [id]: { type: 'invalidProperties', properties: ['subject'] },
      },
      notDestroyed: { Mnope: { type: 'notFound' } },
      notCreated: { bad: { type: 'invalidProperties' } },
    });
  });

  it('answers request-level problems over HTTP and the WebSocket, with the limits the session advertises', async () => {
    const session = await jmap.device.jam.session;
    const core = session.capabilities[CORE_CAPABILITY] as {
      maxCallsInRequest: number;
      maxSizeRequest: number;
    };
    const post = async (body: string) => {
      const response = await fetch(session.apiUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${jmap.device.token}`, 'content-type': 'application/json' },
        body,
      });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: (await response.json()) as Args,
      };
    };
    expect(await post('{"using":')).toMatchObject({
      status: 400,
      type: expect.stringContaining('application/problem+json'),
      body: { type: 'urn:ietf:params:jmap:error:notJSON' },
    });
    expect((await post(JSON.stringify({ using: [], methodCalls: [['Core/echo', {}]] }))).body).toMatchObject({
      type: 'urn:ietf:params:jmap:error:notRequest',
    });
    expect((await post(JSON.stringify({ using: ['urn:example:nope'], methodCalls: [] }))).body).toMatchObject(
      {
        type: 'urn:ietf:params:jmap:error:unknownCapability',
      },
    );
    const tooBig = await post(
      JSON.stringify({ using: [], methodCalls: [], padding: 'x'.repeat(core.maxSizeRequest) }),
    );
    expect(tooBig.body).toMatchObject({ type: 'urn:ietf:params:jmap:error:limit', limit: 'maxSizeRequest' });

    const tooMany = await jmap.device.jam
      .requestMany((t) =>
        Object.fromEntries(
          Array.from({ length: core.maxCallsInRequest + 1 }, (_, index) => [
            `c${index}`,
            t.Core.echo({ index }),
          ]),
        ),
      )
      .catch((error: unknown) => error);
    expect(tooMany).toMatchObject({ type: 'urn:ietf:params:jmap:error:limit', limit: 'maxCallsInRequest' });

    const socket = await openWebSocket(jmap.device);
    try {
      socket.sendRaw(JSON.stringify({ '@type': 'Request', id: 'r-bad', using: [], methodCalls: 'nope' }));
      const problem = await socket.waitFor((message) => message['requestId'] === 'r-bad', 5000);
      expect(problem).toMatchObject({
        '@type': 'RequestError',
        type: 'urn:ietf:params:jmap:error:notRequest',
      });
      const [[name, args]] = (await socket.request([['Core/echo', { hello: 'socket' }, 'e']])) as [
        [string, Args, string],
      ];
      expect([name, args]).toEqual(['Core/echo', { hello: 'socket' }]);
    } finally {
      socket.close();
    }
  });
});
