import type { Invocation } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { contentsFromChanges, CREATED_BODY_BYTES, MailStore } from './mail-store.js';
import type { MailboxApi } from './mailbox-client.js';

type RecordingMailbox = MailboxApi & { requests: Invocation[][] };

/**
 * A mailbox that answers each call of a request with `answer` (given the answers to the calls
 * before it in the same request, which back-references resolve against; no answer: the call is
 * left out) and keeps every request it was sent. It serves no blobs.
 */
function recordingMailbox(
  answer: (call: Invocation, before: Invocation[]) => Invocation | undefined,
): RecordingMailbox {
  const requests: Invocation[][] = [];
  return {
    requests,
    call(_accountId, calls) {
      requests.push(calls);
      const answers: Invocation[] = [];
      for (const call of calls) {
        const answered = answer(call, answers);
        if (answered) answers.push(answered);
      }
      return Promise.resolve(answers);
    },
    blob: () => Promise.resolve(undefined),
    openBlob: () => Promise.resolve(undefined),
    upload: () => Promise.resolve(''),
  };
}

/**
 * A mailbox holding `count` messages in one folder (newest first: m0, m1, ...), answering the
 * listing's calls as mailbox does: Email/query pages by position and limit, Email/get by ids or by
 * a back-reference to a query's ids.
 */
function listingMailbox(count: number): RecordingMailbox {
  const ids = Array.from({ length: count }, (_, index) => `m${index}`);
  return recordingMailbox(([method, args, callId], before) => {
    if (method === 'Email/query') {
      const position = Number(args['position']);
      const limit = Number(args['limit']);
      return [method, { ids: ids.slice(position, position + limit) }, callId];
    }
    if (method === 'Email/get') {
      const reference = args['#ids'] as { resultOf: string } | undefined;
      const wanted = reference
        ? (before.find((answer) => answer[2] === reference.resultOf)?.[1]['ids'] as string[])
        : (args['ids'] as string[]);
      const list = wanted.map((id) => ({ id, keywords: id === 'm1' ? { $seen: true } : {} }));
      return [method, { state: 's7', list }, callId];
    }
    return undefined;
  });
}

const methodsOf = (request: Invocation[]) => request.map(([method]) => method);

describe(MailStore.name, () => {
  it('lists a folder that fits one page with one request of three calls', async () => {
    const mailbox = listingMailbox(3);
    const contents = await new MailStore(mailbox).contents('account', 'inbox', 10_000);

    expect(contents.state).toBe('s7');
    expect([...contents.items.keys()]).toEqual(['m0', 'm1', 'm2']);
    expect(contents.items.get('m1')).toEqual({ read: true, flagged: false });
    expect(mailbox.requests.map(methodsOf)).toEqual([['Email/get', 'Email/query', 'Email/get']]);
  });

  it('lists a folder larger than a page in full, asking for the pages after the first in one more request', async () => {
    const mailbox = listingMailbox(1_200);
    const contents = await new MailStore(mailbox).contents('account', 'inbox', 10_000);

    expect(contents.items.size).toBe(1_200);
    expect(contents.items.has('m1199')).toBe(true);
    expect(mailbox.requests).toHaveLength(2);
    // The second request does not read the state again: the listing keeps the one read before it.
    expect(mailbox.requests[1]!.some(([, , callId]) => callId === 's')).toBe(false);
    expect(mailbox.requests[1]!.filter(([method]) => method === 'Email/query')).toHaveLength(12);
  });

  it('stops at `max` messages', async () => {
    const mailbox = listingMailbox(1_200);
    const contents = await new MailStore(mailbox).contents('account', 'inbox', 700);

    expect(contents.items.size).toBe(700);
    expect(mailbox.requests).toHaveLength(2);
  });
});

/**
 * A mailbox whose account changed since state s1: `changes` is its Email/changes answer (or the
 * error it answers), `emails` the messages Email/get finds now. Email/get resolves `#ids` against
 * the changes, as mailbox does.
 */
function changingMailbox(
  changes: Record<string, unknown> | { error: string },
  emails: Array<{
    id: string;
    mailboxIds: Record<string, boolean>;
    keywords?: Record<string, boolean>;
    receivedAt: string;
    [property: string]: unknown;
  }>,
): RecordingMailbox {
  return recordingMailbox(([method, args, callId], before) => {
    if (method === 'Mailbox/get')
      return [method, { list: [{ id: 'inbox', name: 'Inbox', role: 'inbox' }] }, callId];
    if (method === 'Email/changes')
      return 'error' in changes ? ['error', { type: changes.error }, callId] : [method, changes, callId];
    if (method === 'Email/get') {
      const reference = args['#ids'] as { resultOf: string; path: string };
      const source = before.find((answer) => answer[2] === reference.resultOf)!;
      if (source[0] === 'error') return ['error', { type: 'invalidResultReference' }, callId];
      const wanted = source[1][reference.path.slice(1)] as string[];
      const list = emails.filter((email) => wanted.includes(email.id));
      const notFound = wanted.filter((id) => !emails.some((email) => email.id === id));
      return [method, { state: 's9', list, notFound }, callId];
    }
    return undefined;
  });
}

describe(`${MailStore.name} changedContents`, () => {
  const held = {
    kept: { read: false, flagged: false },
    flagged: { read: false, flagged: false },
    movedOut: { read: true, flagged: false },
    destroyed: { read: false, flagged: false },
    vanished: { read: false, flagged: false },
  };

  it('applies what changed since the held state to the held items, in one request of three calls', async () => {
    const mailbox = changingMailbox(
      {
        newState: 's8',
        hasMoreChanges: false,
        created: ['older', 'newer', 'elsewhere'],
        updated: ['flagged', 'movedOut', 'vanished'],
        destroyed: ['destroyed'],
      },
      [
        { id: 'older', mailboxIds: { inbox: true }, receivedAt: '2026-01-01T10:00:00Z' },
        {
          id: 'newer',
          mailboxIds: { inbox: true },
          keywords: { $seen: true },
          receivedAt: '2026-01-02T10:00:00Z',
        },
        { id: 'elsewhere', mailboxIds: { sent: true }, receivedAt: '2026-01-03T10:00:00Z' },
        {
          id: 'flagged',
          mailboxIds: { inbox: true },
          keywords: { $flagged: true },
          receivedAt: '2025-12-01T10:00:00Z',
        },
        { id: 'movedOut', mailboxIds: { trash: true }, receivedAt: '2025-12-01T10:00:00Z' },
      ],
    );
    const contents = await new MailStore(mailbox).changedContents('account', 'inbox', 's1', held, 10_000);

    expect(contents?.state).toBe('s8');
    expect([...contents!.items]).toEqual([
      ['newer', { read: true, flagged: false, receivedAt: '2026-01-02T10:00:00Z' }],
      ['older', { read: false, flagged: false, receivedAt: '2026-01-01T10:00:00Z' }],
      ['kept', { read: false, flagged: false }],
      ['flagged', { read: false, flagged: true, receivedAt: '2025-12-01T10:00:00Z' }],
    ]);
    expect(mailbox.requests.map(methodsOf)).toEqual([['Email/changes', 'Email/get', 'Email/get']]);
    expect(mailbox.requests[0]![0]![1]).toMatchObject({ sinceState: 's1' });
  });

  it('leaves the folder to a listing when mailbox cannot tell the changes, or they do not fit one answer', async () => {
    const cannot = changingMailbox({ error: 'cannotCalculateChanges' }, []);
    expect(
      await new MailStore(cannot).changedContents('account', 'inbox', 's1', held, 10_000),
    ).toBeUndefined();

    const more = changingMailbox(
      { newState: 's8', hasMoreChanges: true, created: [], updated: [], destroyed: [] },
      [],
    );
    expect(await new MailStore(more).changedContents('account', 'inbox', 's1', held, 10_000)).toBeUndefined();
  });

  it('leaves the folder to a listing when the changes would make it hold more than `max`', async () => {
    const mailbox = changingMailbox(
      { newState: 's8', hasMoreChanges: false, created: ['new'], updated: [], destroyed: [] },
      [{ id: 'new', mailboxIds: { inbox: true }, receivedAt: '2026-01-01T10:00:00Z' }],
    );
    expect(await new MailStore(mailbox).changedContents('account', 'inbox', 's1', held, 5)).toBeUndefined();
    expect(await new MailStore(mailbox).changedContents('account', 'inbox', 's1', held, 6)).toBeDefined();
  });

  it('within a window, drops the held messages received before its start and adds none received before it', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    const windowed = {
      recent: { read: false, flagged: false, receivedAt: '2026-01-05T10:00:00Z' },
      atStart: { read: false, flagged: false, receivedAt: '2026-01-01T00:00:00Z' },
      agedOut: { read: true, flagged: false, receivedAt: '2025-12-31T23:59:59Z' },
      agedAndFlagged: { read: false, flagged: false, receivedAt: '2025-12-20T10:00:00Z' },
    };
    const mailbox = changingMailbox(
      {
        newState: 's8',
        hasMoreChanges: false,
        created: ['new', 'importedOld'],
        updated: ['agedAndFlagged', 'movedInOld'],
        destroyed: [],
      },
      [
        { id: 'new', mailboxIds: { inbox: true }, receivedAt: '2026-01-06T10:00:00Z' },
        { id: 'importedOld', mailboxIds: { inbox: true }, receivedAt: '2025-11-01T10:00:00Z' },
        {
          id: 'agedAndFlagged',
          mailboxIds: { inbox: true },
          keywords: { $flagged: true },
          receivedAt: '2025-12-20T10:00:00Z',
        },
        { id: 'movedInOld', mailboxIds: { inbox: true }, receivedAt: '2025-10-01T10:00:00Z' },
      ],
    );
    const contents = await new MailStore(mailbox).changedContents(
      'account',
      'inbox',
      's1',
      windowed,
      100,
      start,
    );
    expect([...contents!.items]).toEqual([
      ['new', { read: false, flagged: false, receivedAt: '2026-01-06T10:00:00Z' }],
      ['recent', windowed.recent],
      ['atStart', windowed.atStart],
    ]);
    // Without a window nothing ages out.
    const all = await new MailStore(mailbox).changedContents('account', 'inbox', 's1', windowed, 100);
    expect([...all!.items.keys()].sort()).toEqual(
      ['agedAndFlagged', 'agedOut', 'atStart', 'importedOld', 'movedInOld', 'new', 'recent'].sort(),
    );
  });

  it('within a window, leaves the folder to a listing when a held message has no receivedAt kept', async () => {
    const mailbox = changingMailbox(
      { newState: 's8', hasMoreChanges: false, created: [], updated: [], destroyed: [] },
      [],
    );
    const mixed = {
      kept: { read: false, flagged: false, receivedAt: '2026-01-05T10:00:00Z' },
      old: held.kept,
    };
    const start = new Date('2026-01-01T00:00:00.000Z');
    expect(
      await new MailStore(mailbox).changedContents('account', 'inbox', 's1', mixed, 100, start),
    ).toBeUndefined();
  });
});

describe(`${MailStore.name} foldersAndChanges`, () => {
  it('reads the folders and the changes in one request, the changes standing for the Email state', async () => {
    const mailbox = changingMailbox(
      { newState: 's8', hasMoreChanges: false, created: ['new'], updated: [], destroyed: [] },
      [{ id: 'new', mailboxIds: { inbox: true }, receivedAt: '2026-01-01T10:00:00Z' }],
    );
    const read = await new MailStore(mailbox).foldersAndChanges('account', 's1');

    expect(mailbox.requests.map(methodsOf)).toEqual([
      ['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get'],
    ]);
    expect(read.folders).toEqual([{ id: 'inbox', parentId: null, name: 'Inbox', role: 'inbox' }]);
    expect(read.emailState).toBe('s8');
    const held = { old: { read: true, flagged: false } };
    expect([...contentsFromChanges(read.changes, 'inbox', held, 10)!.items]).toEqual([
      ['new', { read: false, flagged: false, receivedAt: '2026-01-01T10:00:00Z' }],
      ['old', { read: true, flagged: false }],
    ]);
  });

  it('knows no Email state when mailbox cannot tell every change, and leaves the folder to a listing', async () => {
    for (const changes of [
      { error: 'cannotCalculateChanges' },
      { newState: 's8', hasMoreChanges: true, created: [], updated: [], destroyed: [] },
    ]) {
      const read = await new MailStore(changingMailbox(changes, [])).foldersAndChanges('account', 's1');
      expect(read.folders).toHaveLength(1);
      expect(read.emailState).toBeUndefined();
      expect(contentsFromChanges(read.changes, 'inbox', {}, 10)).toBeUndefined();
    }
  });
});

describe(`${MailStore.name} foldersAndChanges with the created messages`, () => {
  const arrived = (id: string, text: string, isTruncated: boolean) => ({
    id,
    blobId: `b-${id}`,
    mailboxIds: { inbox: true },
    receivedAt: '2026-01-01T10:00:00Z',
    subject: `subject ${id}`,
    from: [{ name: 'Ann', email: 'ann@example.test' }],
    textBody: [{ partId: '1' }],
    htmlBody: [],
    bodyValues: { '1': { value: text, isTruncated, isEncodingProblem: false } },
  });

  it('reads the created messages in full in the same request, bounded by the window, and leaves out those cut short', async () => {
    const mailbox = changingMailbox(
      { newState: 's8', hasMoreChanges: false, created: ['short', 'long'], updated: [], destroyed: [] },
      [arrived('short', 'hello', false), arrived('long', 'x'.repeat(10), true)],
    );
    const read = await new MailStore(mailbox).foldersAndChanges('account', 's1', { maxChanges: 25 });

    expect(mailbox.requests.map(methodsOf)).toEqual([
      ['Mailbox/get', 'Email/changes', 'Email/get', 'Email/get'],
    ]);
    const [, changes, created, updated] = mailbox.requests[0]!;
    expect(changes![1]).toMatchObject({ sinceState: 's1', maxChanges: 25 });
    expect(created![1]).toMatchObject({
      fetchTextBodyValues: true,
      fetchHTMLBodyValues: true,
      maxBodyValueBytes: CREATED_BODY_BYTES,
    });
    expect(created![1]['properties']).toEqual(
      expect.arrayContaining(['subject', 'bodyValues', 'receivedAt']),
    );
    expect(updated![1]['properties']).toEqual(['id', 'mailboxIds', 'keywords', 'receivedAt']);
    expect([...read.changes.created!.keys()]).toEqual(['short']);
    expect(read.changes.created!.get('short')).toMatchObject({
      subject: 'subject short',
      text: 'hello',
      blobId: 'b-short',
    });
    expect([...contentsFromChanges(read.changes, 'inbox', {}, 10)!.items.keys()]).toEqual(['short', 'long']);
  });

  it('knows no created messages when mailbox cannot tell the changes', async () => {
    const mailbox = changingMailbox({ error: 'cannotCalculateChanges' }, []);
    const read = await new MailStore(mailbox).foldersAndChanges('account', 's1', { maxChanges: 25 });
    expect(read.changes.created?.size).toBe(0);
    expect(read.emailState).toBeUndefined();
  });

  it('asks for at most a page of changes without the created messages', async () => {
    const mailbox = changingMailbox(
      { newState: 's8', hasMoreChanges: false, created: [], updated: [], destroyed: [] },
      [],
    );
    const read = await new MailStore(mailbox).foldersAndChanges('account', 's1');
    expect(mailbox.requests[0]![1]![1]).toMatchObject({ maxChanges: 500 });
    expect(mailbox.requests[0]![2]![1]['properties']).toEqual(['id', 'mailboxIds', 'keywords', 'receivedAt']);
    expect(read.changes.created).toBeUndefined();
  });
});
