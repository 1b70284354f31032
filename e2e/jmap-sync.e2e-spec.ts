import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMessage,
  expectEventually,
  type Invocation,
  sendMail,
  type StateChange,
  DEFAULT_MAILBOX_ROLES,
} from '@pushmail/testing';
import {
  accountWithDevices,
  callJmap,
  EventSourceReader,
  expandTemplate,
  type JmapDevice,
  openWebSocket,
  useJmapSuite,
} from './jmap-client-kit.js';

type Args = Record<string, unknown>;

interface MailboxCounts {
  id: string;
  role: string | null;
  totalEmails: number;
  unreadEmails: number;
  totalThreads: number;
  unreadThreads: number;
}

describe('JMAP two-way sync across devices', () => {
  const jmap = useJmapSuite('jmap-sync', { devices: 2 });
  let deviceA: JmapDevice;
  let deviceB: JmapDevice;

  const deliver = async (subject: string, extraHeaders: string[] = []): Promise<void> => {
    const message = buildMessage({
      from: 'Sender <sender@elsewhere.example>',
      to: jmap.account.address,
      subject,
      text: `Body of ${subject}`,
    });
    const withHeaders = extraHeaders.length === 0 ? message : `${extraHeaders.join('\r\n')}\r\n${message}`;
    const result = await sendMail(jmap.platform.smtp.host, jmap.platform.smtp.port, {
      from: 'sender@elsewhere.example',
      to: [jmap.account.address],
      message: withHeaders,
    });
    expect(result.data?.code).toBe(250);
  };

  const inboxIds = async (): Promise<string[]> =>
    (
      await callJmap(deviceA, 'Email/query', {
        accountId: jmap.account.accountId,
        filter: { inMailbox: jmap.roles['inbox'] },
      })
    )['ids'] as string[];

  /**
   * Turns push on for `socket`, has device A set `keyword` on the first inbox email, and answers the
   * StateChange the socket is pushed for it.
   */
  const pushOfKeyword = async (
    socket: Awaited<ReturnType<typeof openWebSocket>>,
    keyword: string,
  ): Promise<StateChange> => {
    socket.enablePush(undefined, null);
    await socket.request([['Core/echo', {}, 'ready']]);
    const [id] = (await inboxIds()) as [string];
    const pushed = socket.nextStateChange(5000);
    await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: { [id]: { [`keywords/${keyword}`]: true } },
    });
    return pushed;
  };

  const counts = async (device: JmapDevice): Promise<MailboxCounts[]> =>
    (await callJmap(device, 'Mailbox/get', { accountId: jmap.account.accountId, ids: null }))[
      'list'
    ] as MailboxCounts[];

  /** Mailbox counts recomputed from every email, the way RFC 8621 §2 defines them. */
  const recomputedCounts = async (): Promise<Record<string, Omit<MailboxCounts, 'id' | 'role'>>> => {
    const all = (await callJmap(deviceA, 'Email/query', { accountId: jmap.account.accountId, limit: 500 }))[
      'ids'
    ] as string[];
    const emails = (
      await callJmap(deviceA, 'Email/get', {
        accountId: jmap.account.accountId,
        ids: all,
        properties: ['mailboxIds', 'keywords', 'threadId'],
      })
    )['list'] as Array<{
      mailboxIds: Record<string, boolean>;
      keywords: Record<string, boolean>;
      threadId: string;
    }>;
    const result: Record<string, Omit<MailboxCounts, 'id' | 'role'>> = {};
    for (const mailboxId of Object.values(jmap.roles)) {
      const inside = emails.filter((email) => email.mailboxIds[mailboxId]);
      const unread = inside.filter((email) => !email.keywords['$seen'] && !email.keywords['$draft']);
      result[mailboxId] = {
        totalEmails: inside.length,
        unreadEmails: unread.length,
        totalThreads: new Set(inside.map((email) => email.threadId)).size,
        unreadThreads: new Set(unread.map((email) => email.threadId)).size,
      };
    }
    return result;
  };

  const expectCountsExact = async (): Promise<void> => {
    const expected = await recomputedCounts();
    for (const mailbox of await counts(deviceB)) {
      if (mailbox.role === null) continue;
      expect({ role: mailbox.role, ...pickCounts(mailbox) }).toEqual({
        role: mailbox.role,
        ...expected[mailbox.id],
      });
    }
  };

  beforeAll(async () => {
    [deviceA, deviceB] = jmap.account.devices as [JmapDevice, JmapDevice];
    for (const subject of ['first', 'second', 'third']) await deliver(subject);
    await expectEventually(async () => expect(await inboxIds()).toHaveLength(3));
  });

  it('discovers the session and finds the six role mailboxes of a new account before any mail', async () => {
    const fresh = await accountWithDevices(jmap.platform, 1);
    const device = fresh.devices[0]!;
    const session = await device.jam.session;

    expect(await device.jam.getPrimaryAccount()).toBe(fresh.accountId);
    expect(Object.keys(session.capabilities)).toEqual(
      expect.arrayContaining([
        'urn:ietf:params:jmap:core',
        'urn:ietf:params:jmap:mail',
        'urn:ietf:params:jmap:submission',
        'urn:ietf:params:jmap:websocket',
      ]),
    );
    for (const url of [session.apiUrl, session.downloadUrl, session.uploadUrl, session.eventSourceUrl]) {
      expect(url.startsWith(`http://${jmap.platform.host}:${jmap.platform.ports.push}/`)).toBe(true);
    }
    expect(session.accounts[fresh.accountId]?.accountCapabilities['urn:ietf:params:jmap:mail']).toBeDefined();

    const mailboxes = (await callJmap(device, 'Mailbox/get', { accountId: fresh.accountId, ids: null }))[
      'list'
    ] as MailboxCounts[];
    expect(mailboxes.map((mailbox) => mailbox.role).sort()).toEqual(DEFAULT_MAILBOX_ROLES);
    expect(mailboxes.every((mailbox) => mailbox.totalEmails === 0 && mailbox.unreadThreads === 0)).toBe(true);

    const [identity] = (await callJmap(device, 'Identity/get', { accountId: fresh.accountId, ids: null }))[
      'list'
    ] as Array<{ email: string }>;
    expect(identity?.email).toBe(fresh.address);
  });

  it('answers the same request alike over HTTP and over the WebSocket', async () => {
    const socket = await openWebSocket(deviceB);
    try {
      const request: Invocation[] = [
        [
          'Email/query',
          { accountId: jmap.account.accountId, sort: [{ property: 'subject', isAscending: true }] },
          'q',
        ],
        [
          'Email/get',
          {
            accountId: jmap.account.accountId,
            '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
            properties: ['subject'],
          },
          'g',
        ],
      ];
      const overSocket = await socket.request(request);
      const [overHttp] = await deviceA.jam.requestMany((t) => {
        const q = t.Email.query({
          accountId: jmap.account.accountId,
          sort: [{ property: 'subject', isAscending: true }],
        });
        const g = t.Email.get({
          accountId: jmap.account.accountId,
          ids: q.$ref('/ids'),
          properties: ['subject'],
        });
        return { q, g };
      });
      expect((overSocket[0]![1]['ids'] as string[]).length).toBe(3);
      expect((overSocket[1]![1]['list'] as Array<{ subject: string }>).map((email) => email.subject)).toEqual(
        ['first', 'second', 'third'],
      );
      expect(overSocket[0]![1]['ids']).toEqual(overHttp.q.ids);
      expect(overHttp.g.list.map((email) => email.subject)).toEqual(['first', 'second', 'third']);
    } finally {
      socket.close();
    }
  });

  it("pushes device A's flag, move and destroy to device B within a second, each visible through Email/changes", async () => {
    const socket = await openWebSocket(deviceB);
    try {
      const [target, other] = (await inboxIds()) as [string, string];
      let emailState = (await callJmap(deviceB, 'Email/get', { accountId: jmap.account.accountId, ids: [] }))[
        'state'
      ] as string;
      socket.enablePush(undefined, ['Email', 'Mailbox', 'Thread']);
      await socket.request([['Core/echo', {}, 'ready']]);

      const steps: Array<{ update: Args; expect: 'updated' | 'destroyed' }> = [
        {
          update: { update: { [target]: { 'keywords/$seen': true, 'keywords/$flagged': true } } },
          expect: 'updated',
        },
        {
          update: {
            update: {
              [target]: {
                [`mailboxIds/${jmap.roles['inbox']}`]: null,
                [`mailboxIds/${jmap.roles['archive']}`]: true,
              },
            },
          },
          expect: 'updated',
        },
        { update: { destroy: [other] }, expect: 'destroyed' },
      ];
      for (const step of steps) {
        const pushed = socket.nextStateChange(
          5000,
          (change) =>
            change.changed[jmap.account.accountId]?.['Email'] !== undefined &&
            change.changed[jmap.account.accountId]!['Email'] !== emailState,
        );
        const startedAt = performance.now();
        const result = await callJmap(deviceA, 'Email/set', {
          accountId: jmap.account.accountId,
          ...step.update,
        });
        expect(result['notUpdated'] ?? null).toBeNull();
        expect(result['notDestroyed'] ?? null).toBeNull();
        const change = (await pushed) as StateChange & { _receivedAt: number };
        expect(change._receivedAt - startedAt).toBeLessThan(1000);
        expect(change.changed[jmap.account.accountId]!['Email']).toBe(result['newState']);

        const changes = await callJmap(deviceB, 'Email/changes', {
          accountId: jmap.account.accountId,
          sinceState: emailState,
        });
        const changedId = step.expect === 'destroyed' ? other : target;
        expect(changes[step.expect]).toEqual([changedId]);
        expect(changes['newState']).toBe(result['newState']);
        emailState = changes['newState'] as string;
      }

      const [got] = (
        await callJmap(deviceB, 'Email/get', {
          accountId: jmap.account.accountId,
          ids: [target, other],
          properties: ['keywords', 'mailboxIds'],
        })
      )['list'] as Array<Args>;
      expect(got).toMatchObject({
        keywords: { $seen: true, $flagged: true },
        mailboxIds: { [jmap.roles['archive']!]: true },
      });
      await expectCountsExact();
    } finally {
      socket.close();
    }
  });

  it('catches device B up from its push state after several changes while it was away, nothing missed and nothing doubled', async () => {
    await deliver('fourth');
    await deliver('fifth');
    await expectEventually(async () => expect(await inboxIds()).toHaveLength(3));
    const first = await openWebSocket(deviceB);
    let pushState: string;
    let emailState: string;
    try {
      emailState = (await callJmap(deviceB, 'Email/get', { accountId: jmap.account.accountId, ids: [] }))[
        'state'
      ] as string;
      pushState = (await pushOfKeyword(first, '$answered')).pushState!;
      emailState = (
        await callJmap(deviceB, 'Email/changes', {
          accountId: jmap.account.accountId,
          sinceState: emailState,
        })
      )['newState'] as string;
    } finally {
      first.close();
    }

    const allIds = async () =>
      (await callJmap(deviceB, 'Email/query', { accountId: jmap.account.accountId, limit: 500 }))[
        'ids'
      ] as string[];
    const known = await allIds();
    // Device B is offline: device A changes things, and mail arrives.
    const [x, y, z] = (await inboxIds()) as [string, string, string];
    await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: { [x]: { 'keywords/$seen': true } },
    });
    await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: { [y]: { 'keywords/$flagged': true } },
    });
    await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: { [x]: { 'keywords/$flagged': true } },
    });
    await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: {
        [y]: { [`mailboxIds/${jmap.roles['inbox']}`]: null, [`mailboxIds/${jmap.roles['trash']}`]: true },
      },
    });
    await callJmap(deviceA, 'Email/set', { accountId: jmap.account.accountId, destroy: [z] });
    const draft = await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      create: {
        d1: {
          mailboxIds: { [jmap.roles['drafts']!]: true },
          keywords: { $draft: true },
          from: [{ name: 'Me', email: jmap.account.address }],
          to: [{ email: 'friend@elsewhere.example' }],
          subject: 'A draft',
          textBody: [{ partId: 't', type: 'text/plain' }],
          bodyValues: { t: { value: 'Draft body' } },
        },
      },
    });
    const draftId = (draft['created'] as Record<string, { id: string }>)['d1']!.id;
    await deliver('sixth');
    const sixth = await expectEventually(async () => {
      const ids = await inboxIds();
      expect(ids).toHaveLength(2);
      return ids.find((id) => id !== x)!;
    });
    await callJmap(deviceA, 'Email/set', { accountId: jmap.account.accountId, destroy: [draftId] });

    const again = await openWebSocket(deviceB);
    try {
      const catchUp = again.nextStateChange(2000);
      again.enablePush(pushState, null);
      const change = await catchUp;
      expect(Object.keys(change.changed[jmap.account.accountId]!)).toEqual(
        expect.arrayContaining(['Email', 'Mailbox', 'Thread', 'EmailDelivery']),
      );
      expect(change.pushState).not.toBe(pushState);

      const pages: Args[] = [];
      let since = emailState;
      for (;;) {
        const page = await callJmap(deviceB, 'Email/changes', {
          accountId: jmap.account.accountId,
          sinceState: since,
          maxChanges: 1,
        });
        pages.push(page);
        since = page['newState'] as string;
        if (!page['hasMoreChanges']) break;
      }
      // Each page lists an id once; applied in order, the pages turn what B knew into what is there now.
      const cache = new Set(known);
      for (const page of pages) {
        const listed = ['created', 'updated', 'destroyed'].flatMap((key) => page[key] as string[]);
        expect(new Set(listed).size).toBe(listed.length);
        for (const id of page['created'] as string[]) cache.add(id);
        for (const id of page['destroyed'] as string[]) cache.delete(id);
        for (const id of page['updated'] as string[]) expect(cache.has(id)).toBe(true);
      }
      expect([...cache].sort()).toEqual((await allIds()).sort());
      expect(since).toBe(change.changed[jmap.account.accountId]!['Email']);

      const whole = await callJmap(deviceB, 'Email/changes', {
        accountId: jmap.account.accountId,
        sinceState: emailState,
      });
      expect({
        created: whole['created'],
        updated: (whole['updated'] as string[]).sort(),
        destroyed: whole['destroyed'],
      }).toEqual({
        created: [sixth],
        updated: [x, y].sort(),
        destroyed: [z],
      });
      await expectCountsExact();
    } finally {
      again.close();
    }
  });

  it('keeps EmailDelivery for new mail only: device changes move Email and Mailbox, not EmailDelivery', async () => {
    const socket = await openWebSocket(deviceB);
    try {
      const flagChange = (await pushOfKeyword(socket, '$forwarded')).changed[jmap.account.accountId]!;
      expect(Object.keys(flagChange).sort()).toEqual(['Email']);

      const delivered = socket.nextStateChange(
        5000,
        (change) => change.changed[jmap.account.accountId]?.['EmailDelivery'] !== undefined,
      );
      await deliver('seventh');
      expect(Object.keys((await delivered).changed[jmap.account.accountId]!).sort()).toEqual([
        'Email',
        'EmailDelivery',
        'Mailbox',
        'Thread',
      ]);
    } finally {
      socket.close();
    }
  });

  it('pushes over EventSource, pings, and replays what changed since Last-Event-ID on reconnection', async () => {
    const session = await deviceB.jam.session;
    const url = expandTemplate(session.eventSourceUrl, {
      types: 'Email,Mailbox',
      closeafter: 'no',
      ping: '1',
    });
    const stream = await EventSourceReader.open(url, deviceB.token);
    let lastEventId: string;
    try {
      expect(stream.status).toBe(200);
      const ping = await stream.next((event) => event.event === 'ping', { timeoutMs: 3000 });
      expect(JSON.parse(ping.data)).toEqual({ interval: 1 });
      expect(ping.id).toBeUndefined();

      const [id] = (await inboxIds()) as [string];
      const startedAt = performance.now();
      await callJmap(deviceA, 'Email/set', {
        accountId: jmap.account.accountId,
        update: { [id]: { 'keywords/$seen': true } },
      });
      const state = await stream.next((event) => event.event === 'state');
      expect(state.receivedAt - startedAt).toBeLessThan(1000);
      const data = JSON.parse(state.data) as StateChange;
      expect(data['@type']).toBe('StateChange');
      expect(Object.keys(data.changed[jmap.account.accountId]!).sort()).toEqual(['Email', 'Mailbox']);
      lastEventId = state.id!;
    } finally {
      stream.close();
    }

    // While disconnected: a flag change and a new mail.
    const [id] = (await inboxIds()) as [string];
    const set = await callJmap(deviceA, 'Email/set', {
      accountId: jmap.account.accountId,
      update: { [id]: { 'keywords/$important': true } },
    });
    const urlOnce = expandTemplate(session.eventSourceUrl, { types: '*', closeafter: 'state', ping: '0' });
    const replay = await EventSourceReader.open(urlOnce, deviceB.token, lastEventId);
    const replayed = await replay.next((event) => event.event === 'state', { timeoutMs: 2000 });
    await replay.closed;
    expect(replay.events.filter((event) => event.event === 'state')).toHaveLength(1);
    expect(Number(replayed.id)).toBeGreaterThan(Number(lastEventId));
    expect((JSON.parse(replayed.data) as StateChange).changed[jmap.account.accountId]).toEqual({
      Email: set['newState'],
    });

    // Already up to date: nothing is sent until the next change.
    const upToDate = await EventSourceReader.open(urlOnce, deviceB.token, replayed.id);
    try {
      const next = upToDate.next((event) => event.event === 'state', { timeoutMs: 3000 });
      await expect(upToDate.next((event) => event.event === 'state', { timeoutMs: 300 })).rejects.toThrow();
      await callJmap(deviceA, 'Email/set', {
        accountId: jmap.account.accountId,
        update: { [id]: { 'keywords/$important': null } },
      });
      expect(Number((await next).id)).toBeGreaterThan(Number(replayed.id));
    } finally {
      upToDate.close();
    }
  });

  it('answers cannotCalculateChanges from a state older than the retained change log, and changes from a newer one', async () => {
    const oldState = '1';
    const current = (await callJmap(deviceB, 'Email/get', { accountId: jmap.account.accountId, ids: [] }))[
      'state'
    ] as string;
    expect(
      (await callJmap(deviceB, 'Email/changes', { accountId: jmap.account.accountId, sinceState: oldState }))[
        'oldState'
      ],
    ).toBe(oldState);

    // Time passes: the account's early changes are older than the retention period.
    const db = new pg.Client({ connectionString: jmap.platform.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `UPDATE mailbox.changes SET at = now() - interval '40 days' WHERE account_id = $1 AND modseq <= $2`,
        [jmap.account.accountId, Number(current) - 2],
      );
    } finally {
      await db.end();
    }
    // The log is pruned when mailbox starts (and hourly after).
    await jmap.platform.restart('mailbox');

    await expectEventually(async () => {
      const refused = await callJmap(deviceB, 'Email/changes', {
        accountId: jmap.account.accountId,
        sinceState: oldState,
      }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ type: 'cannotCalculateChanges' });
    });
    const recent = await callJmap(deviceB, 'Email/changes', {
      accountId: jmap.account.accountId,
      sinceState: String(Number(current) - 1),
    });
    expect(recent['newState']).toBe(current);
    const forged = await deviceB.jam
      .request(['Email/changes', { accountId: jmap.account.accountId, sinceState: `${current}0` }])
      .catch((error: unknown) => error);
    expect(forged).toMatchObject({ type: 'cannotCalculateChanges' });
  });
});

function pickCounts(mailbox: MailboxCounts): Omit<MailboxCounts, 'id' | 'role'> {
  return {
    totalEmails: mailbox.totalEmails,
    unreadEmails: mailbox.unreadEmails,
    totalThreads: mailbox.totalThreads,
    unreadThreads: mailbox.unreadThreads,
  };
}
