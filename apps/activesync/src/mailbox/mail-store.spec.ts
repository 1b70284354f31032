import type { Invocation } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { MailStore } from './mail-store.js';
import type { MailboxApi } from './mailbox-client.js';

/**
 * A mailbox holding `count` messages in one folder (newest first: m0, m1, ...), answering the
 * listing's calls as mailbox does: Email/query pages by position and limit, Email/get by ids or by
 * a back-reference to a query's ids. It keeps every request it was sent.
 */
function listingMailbox(count: number): MailboxApi & { requests: Invocation[][] } {
  const ids = Array.from({ length: count }, (_, index) => `m${index}`);
  const requests: Invocation[][] = [];
  return {
    requests,
    call(_accountId, calls) {
      requests.push(calls);
      const answers: Invocation[] = [];
      for (const [method, args, callId] of calls) {
        if (method === 'Email/query') {
          const position = Number(args['position']);
          const limit = Number(args['limit']);
          answers.push([method, { ids: ids.slice(position, position + limit) }, callId]);
        } else if (method === 'Email/get') {
          const reference = args['#ids'] as { resultOf: string } | undefined;
          const wanted = reference
            ? (answers.find((answer) => answer[2] === reference.resultOf)?.[1]['ids'] as string[])
            : (args['ids'] as string[]);
          const list = wanted.map((id) => ({ id, keywords: id === 'm1' ? { $seen: true } : {} }));
          answers.push([method, { state: 's7', list }, callId]);
        }
      }
      return Promise.resolve(answers);
    },
    blob: () => Promise.resolve(undefined),
    openBlob: () => Promise.resolve(undefined),
    upload: () => Promise.resolve(''),
  };
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
