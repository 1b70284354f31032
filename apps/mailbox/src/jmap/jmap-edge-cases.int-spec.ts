import { randomUUID } from 'node:crypto';
import { CORE_CAPABILITY, type Invocation, LIMIT_ERROR, MAIL_CAPABILITY } from '@pushmail/jmap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { JmapService } from './jmap.service.js';

const using = [CORE_CAPABILITY, MAIL_CAPABILITY];

/**
 * Email/query's header conditions over many emails with a big header block: each reads and splits
 * the block of every email again, a statement that runs for minutes.
 */
const slowFilter = {
  operator: 'OR',
  conditions: Array.from({ length: 16 }, (_, index) => ({ header: [`X-Absent-${index}`, 'nowhere'] })),
};

/** A header block of about 200 kB: 220 folded-free fields of 900 characters. */
const bigHeaderBlock = Array.from({ length: 220 }, (_, index) => `X-Pad-${index}: ${'a'.repeat(900)}`).join(
  '\r\n',
);

async function until(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  describeState: () => Promise<string> = async () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms ${await describeState()}`.trimEnd());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(JmapService.name, () => {
  let harness: MailboxTestApp;
  const alice = randomUUID();
  const bob = randomUUID();

  const post = (body: unknown, signal?: AbortSignal) => harness.postJmap(body, signal ? { signal } : {});
  const call = (accountId: string, methodCalls: Invocation[]) => harness.jmap(accountId, methodCalls);
  const slowQueryRunning = async (): Promise<boolean> => {
    const { rows } = await harness.db.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query LIKE '%regexp_split_to_table%'
          AND pid <> pg_backend_pid()`,
    );
    return rows.length > 0;
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    await harness.app
      .get(StoreDeliveryUseCase)
      .execute([
        mailArrivedEvent(alice, rawMessage({ subject: 'small' }), { receivedAt: '2026-03-01T10:00:00Z' }),
      ]);
    const seed = await harness.app.get(StoreDeliveryUseCase).execute([
      mailArrivedEvent(bob, `${bigHeaderBlock}\r\n${rawMessage({ subject: 'thread' })}`, {
        receivedAt: '2026-03-01T10:00:00Z',
      }),
    ]);
    // 20,000 emails of one thread, copied from a stored one: they share its blob.
    await harness.db.query(
      `INSERT INTO mailbox.emails
       SELECT (jsonb_populate_record(e, jsonb_build_object('id', 'Mcopy' || g, 'delivery_id', 'copy-' || g))).*
         FROM mailbox.emails AS e, generate_series(1, 20000) AS g
        WHERE e.id = $1`,
      [seed.changes[0]!.createdEmailIds[0]!],
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers sizes up to 2^53-1 and refuses integers outside UnsignedInt with invalidArguments', async () => {
    const responses = await call(alice, [
      ['Email/query', { accountId: alice, filter: { minSize: 2 ** 31 } }, 'big'],
      ['Email/query', { accountId: alice, filter: { maxSize: Number.MAX_SAFE_INTEGER } }, 'max'],
      ['Email/query', { accountId: alice, position: Number.MAX_SAFE_INTEGER }, 'far'],
      ['Email/query', { accountId: alice, filter: { minSize: 2 ** 53 } }, 'over'],
      ['Email/query', { accountId: alice, limit: -1 }, 'negative'],
      ['Email/changes', { accountId: alice, sinceState: '0', maxChanges: 1.5 }, 'fraction'],
    ]);
    expect(responses[0]![1]).toMatchObject({ ids: [] });
    expect((responses[1]![1]['ids'] as string[]).length).toBe(1);
    expect(responses[2]![1]).toMatchObject({ ids: [] });
    for (const response of responses.slice(3)) {
      expect([response[0], response[1]['type']]).toEqual(['error', 'invalidArguments']);
      expect(response[1]['description']).toMatch(/UnsignedInt|Int/);
    }
  });

  it('answers unsupportedFilter for a filter of 70,000 terms, without touching the database', async () => {
    const conditions = Array.from({ length: 70_000 }, (_, index) => ({ text: `t${index}` }));
    const [response] = await call(alice, [
      ['Email/query', { accountId: alice, filter: { operator: 'OR', conditions } }, 'wide'],
    ]);
    expect(response![1]).toMatchObject({ type: 'unsupportedFilter' });
    expect(response![1]['description']).toMatch(/at most 16 text conditions/);
  });

  it('answers limit for result references that double the response with every call', async () => {
    const methodCalls: Invocation[] = [['Core/echo', { seed: 'x'.repeat(64) }, 'c0']];
    for (let index = 1; index < 32; index += 1) {
      const previous = { resultOf: `c${index - 1}`, name: 'Core/echo', path: '' };
      methodCalls.push(['Core/echo', { '#a': previous, '#b': previous }, `c${index}`]);
    }
    const response = await post({ accountId: alice, request: { using, methodCalls } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: LIMIT_ERROR, status: 400 });
    expect(['maxSizeReferences', 'maxSizeResponse']).toContain(response.body['limit']);
  });

  it('answers SearchSnippet/get with notFound null when every email was found, a list otherwise', async () => {
    const [[, query]] = (await call(alice, [['Email/query', { accountId: alice }, 'q']])) as [Invocation];
    const ids = query['ids'] as string[];
    const responses = await call(alice, [
      ['SearchSnippet/get', { accountId: alice, filter: { text: 'small' }, emailIds: ids }, 'all'],
      [
        'SearchSnippet/get',
        { accountId: alice, filter: { text: 'small' }, emailIds: [...ids, 'Mnone'] },
        'some',
      ],
    ]);
    expect(responses[0]![1]).toMatchObject({ notFound: null, list: [{ emailId: ids[0] }] });
    expect(responses[1]![1]).toMatchObject({ notFound: ['Mnone'] });
  });

  it('answers Email/import of a blob that does not exist with invalidProperties on blobId (RFC 8621 §4.8)', async () => {
    const [[, mailboxes]] = (await call(alice, [['Mailbox/get', { accountId: alice, ids: null }, 'm']])) as [
      Invocation,
    ];
    const inbox = (mailboxes['list'] as Array<{ id: string; role: string }>).find(
      (box) => box.role === 'inbox',
    )!;
    const [[, imported]] = (await call(alice, [
      [
        'Email/import',
        {
          accountId: alice,
          emails: { k1: { blobId: `B${'0'.repeat(64)}`, mailboxIds: { [inbox.id]: true } } },
        },
        'i',
      ],
    ])) as [Invocation];
    expect(imported['notCreated']).toEqual({
      k1: { type: 'invalidProperties', description: expect.any(String), properties: ['blobId'] },
    });
  });

  it('cancels the running query in PostgreSQL when its caller hangs up', async () => {
    const caller = new AbortController();
    const answered = post(
      {
        accountId: bob,
        request: { using, methodCalls: [['Email/query', { accountId: bob, filter: slowFilter }, 'slow']] },
      },
      caller.signal,
    ).catch((error: unknown) => error);
    await until(slowQueryRunning, 20_000);
    caller.abort();
    expect(await answered).toBeInstanceOf(Error);
    // Without the cancel it runs until it ends (minutes) or the statement timeout (30 s).
    await until(
      async () => !(await slowQueryRunning()),
      5000,
      async () => {
        const { rows } = await harness.db.query(
          `SELECT pid, backend_type, state, wait_event, now() - query_start AS running_for
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        return `(sessions of the database: ${JSON.stringify(rows)})`;
      },
    );
  });
});
