import { randomUUID } from 'node:crypto';
import { CORE_CAPABILITY, MAIL_CAPABILITY, VACATION_RESPONSE_CAPABILITY } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddThreadMessageIds1796500000000 } from '../store/migrations/1796500000000-add-thread-message-ids.js';
import { mailArrivedEvent, type MessageFields, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { insertEmail, threadOf } from './email-store.js';
import { rowsRead } from '../testing/plan-rows.js';

interface Stored {
  id: string;
  threadId: string;
}

type IdRow = [accountId: string, messageId: string, isReference: boolean, emailId: string];

const byKey = (rows: IdRow[]): IdRow[] =>
  rows.sort((a, b) => a.join('\u0001').localeCompare(b.join('\u0001')));

/** What mailbox.thread_message_ids must hold: every id each stored email names, read from the emails. */
async function expectedRows(db: MailboxTestApp['db']): Promise<IdRow[]> {
  const { rows } = await db.query<{
    account_id: string;
    id: string;
    message_id: string | null;
    in_reply_to: string[] | null;
    references: string[] | null;
  }>('SELECT account_id, id, message_id, in_reply_to, "references" FROM mailbox.emails');
  const keys = new Set<string>();
  for (const email of rows) {
    if (email.message_id !== null)
      keys.add(JSON.stringify([email.account_id, email.message_id, false, email.id]));
    for (const named of [...(email.in_reply_to ?? []), ...(email.references ?? [])])
      keys.add(JSON.stringify([email.account_id, named, true, email.id]));
  }
  return byKey([...keys].map((key) => JSON.parse(key) as IdRow));
}

async function storedRows(db: MailboxTestApp['db']): Promise<IdRow[]> {
  const { rows } = await db.query<{
    account_id: string;
    message_id: string;
    is_reference: boolean;
    email_id: string;
  }>('SELECT account_id, message_id, is_reference, email_id FROM mailbox.thread_message_ids');
  return byKey(rows.map((row) => [row.account_id, row.message_id, row.is_reference, row.email_id]));
}

describe(insertEmail.name, () => {
  let harness: MailboxTestApp;
  let store: StoreDeliveryUseCase;
  /** Arrival times go forward by a second a delivery, so "earliest" never rests on a tie. */
  let clock = Date.parse('2026-03-03T10:00:00Z');

  beforeAll(async () => {
    harness = await startMailboxApp();
    store = harness.app.get(StoreDeliveryUseCase);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const deliver = async (accountId: string, fields: MessageFields): Promise<Stored> => {
    clock += 1000;
    const event = mailArrivedEvent(accountId, rawMessage(fields), {
      receivedAt: new Date(clock).toISOString(),
    });
    await store.execute([event]);
    const { rows } = await harness.db.query<{ id: string; thread_id: string }>(
      'SELECT id, thread_id FROM mailbox.emails WHERE account_id = $1 AND delivery_id = $2',
      [accountId, event.deliveryId],
    );
    expect(rows).toHaveLength(1);
    return { id: rows[0]!.id, threadId: rows[0]!.thread_id };
  };
  const threadIdOf = async (accountId: string, emailId: string): Promise<string> => {
    const got = await harness.jmapMethod(accountId, 'Email/get', {
      ids: [emailId],
      properties: ['threadId'],
    });
    return (got['list'] as Array<{ threadId: string }>)[0]!.threadId;
  };
  const mailboxOf = async (accountId: string, role: string): Promise<string> => {
    const found = await harness.jmapMethod(accountId, 'Mailbox/query', { filter: { role } });
    return (found['ids'] as string[])[0]!;
  };
  const id = (name: string) => `${name}-${randomUUID()}@example.org`;

  it('puts a reply in the thread of the message it answers, and an unrelated message in a thread of its own', async () => {
    const account = randomUUID();
    const question = id('question');
    const first = await deliver(account, { subject: 'Plans', messageId: question });
    const reply = await deliver(account, {
      subject: 'Re: Plans',
      messageId: id('reply'),
      inReplyTo: question,
    });
    const other = await deliver(account, { subject: 'Plans', messageId: id('other') });

    expect(reply.threadId).toBe(first.threadId);
    expect(other.threadId).not.toBe(first.threadId);
    const thread = await harness.jmapMethod(account, 'Thread/get', { ids: [first.threadId] });
    expect(thread['list']).toEqual([{ id: first.threadId, emailIds: [first.id, reply.id] }]);
  });

  it('follows a chain of references, and joins the thread of the earliest message it names', async () => {
    const account = randomUUID();
    const [a, b, c] = [id('a'), id('b'), id('c')];
    const root = await deliver(account, { subject: 'Budget', messageId: a });
    const second = await deliver(account, { subject: 'Re: Budget', messageId: b, inReplyTo: a });
    // Names only the second message, which names the first.
    const third = await deliver(account, {
      subject: 'Re: Budget',
      messageId: c,
      inReplyTo: b,
      references: [id('never-stored'), b],
    });
    expect([second.threadId, third.threadId]).toEqual([root.threadId, root.threadId]);

    // Two threads of one subject, the later one named first: the earliest stored message wins.
    const elsewhere = id('elsewhere');
    const later = await deliver(account, { subject: 'Budget', messageId: elsewhere });
    expect(later.threadId).not.toBe(root.threadId);
    const both = await deliver(account, {
      subject: 'Re: Budget',
      messageId: id('both'),
      inReplyTo: elsewhere,
      references: [elsewhere, a],
    });
    expect(both.threadId).toBe(root.threadId);
  });

  it('gathers a message that arrives after its reply into the reply’s thread', async () => {
    const account = randomUUID();
    const original = id('original');
    const early = await deliver(account, {
      subject: 'Re: Lunch',
      messageId: id('early'),
      inReplyTo: original,
    });
    const late = await deliver(account, { subject: 'Lunch', messageId: original });
    expect(late.threadId).toBe(early.threadId);
  });

  it('starts a new thread for a reply whose subject starts another topic', async () => {
    const account = randomUUID();
    const question = id('question');
    const first = await deliver(account, { subject: 'Plans', messageId: question });
    const offTopic = await deliver(account, { subject: 'Holidays', messageId: id('x'), inReplyTo: question });
    const untitled = await deliver(account, { subject: '', messageId: id('y'), inReplyTo: question });
    expect(offTopic.threadId).not.toBe(first.threadId);
    expect(untitled.threadId).toBe(first.threadId);
  });

  it('joins no thread through a destroyed email, in either direction', async () => {
    const account = randomUUID();
    const [a, b] = [id('a'), id('b')];
    const root = await deliver(account, { subject: 'Report', messageId: a });
    const reply = await deliver(account, { subject: 'Re: Report', messageId: b, inReplyTo: a });
    expect(reply.threadId).toBe(root.threadId);

    const destroyed = await harness.jmapMethod(account, 'Email/set', { destroy: [root.id] });
    expect(destroyed['destroyed']).toEqual([root.id]);
    const left = await harness.db.query('SELECT 1 FROM mailbox.thread_message_ids WHERE email_id = $1', [
      root.id,
    ]);
    expect(left.rowCount).toBe(0);

    // It names only the destroyed email: the reply that also names it is no link (as before the table).
    const late = await deliver(account, { subject: 'Re: Report', messageId: id('late'), inReplyTo: a });
    expect(late.threadId).not.toBe(reply.threadId);
    // It names the reply, which is still there.
    const onReply = await deliver(account, { subject: 'Re: Report', messageId: id('on'), inReplyTo: b });
    expect(onReply.threadId).toBe(reply.threadId);

    // The reply of a message that has not arrived is destroyed before the message does.
    const pending = id('pending');
    const orphan = await deliver(account, {
      subject: 'Re: Memo',
      messageId: id('orphan'),
      inReplyTo: pending,
    });
    await harness.jmapMethod(account, 'Email/set', { destroy: [orphan.id] });
    const arrived = await deliver(account, { subject: 'Memo', messageId: pending });
    expect(arrived.threadId).not.toBe(orphan.threadId);
  });

  it('never threads one account’s mail with another’s, even under the same Message-ID', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const shared = id('shared');
    const alicesFirst = await deliver(alice, { subject: 'Hello', messageId: shared });
    const bobsReply = await deliver(bob, { subject: 'Re: Hello', messageId: id('bob'), inReplyTo: shared });
    const bobsCopy = await deliver(bob, { subject: 'Hello', messageId: shared });
    const alicesReply = await deliver(alice, {
      subject: 'Re: Hello',
      messageId: id('alice'),
      inReplyTo: shared,
    });

    expect(alicesReply.threadId).toBe(alicesFirst.threadId);
    expect(bobsCopy.threadId).toBe(bobsReply.threadId);
    expect(bobsReply.threadId).not.toBe(alicesFirst.threadId);
  });

  it('threads an imported message, a draft and the Sent copy of an automatic reply by the same rows', async () => {
    const account = randomUUID();
    const question = id('question');
    const first = await deliver(account, { subject: 'Offsite', messageId: question });
    const [inbox, drafts] = [await mailboxOf(account, 'inbox'), await mailboxOf(account, 'drafts')];

    const blobId = await harness.uploadBlob(
      account,
      rawMessage({ subject: 'Re: Offsite', messageId: id('imported'), inReplyTo: question }),
      'message/rfc822',
    );
    const imported = await harness.jmapMethod(account, 'Email/import', {
      emails: { one: { blobId, mailboxIds: { [inbox]: true } } },
    });
    const importedId = (imported['created'] as Record<string, { id: string }>)['one']!.id;
    expect(await threadIdOf(account, importedId)).toBe(first.threadId);

    const created = await harness.jmapMethod(account, 'Email/set', {
      create: {
        d: {
          mailboxIds: { [drafts]: true },
          keywords: { $draft: true },
          subject: 'Re: Offsite',
          inReplyTo: [question],
          references: [question],
          textBody: [{ partId: 'body', type: 'text/plain' }],
          bodyValues: { body: { value: 'Count me in.' } },
        },
      },
    });
    const draftId = (created['created'] as Record<string, { id: string }>)['d']!.id;
    expect(await threadIdOf(account, draftId)).toBe(first.threadId);

    await harness.jmapMethod(
      account,
      'VacationResponse/set',
      { update: { singleton: { isEnabled: true, subject: 'Re: Offsite', textBody: 'Away this week.' } } },
      { using: [CORE_CAPABILITY, MAIL_CAPABILITY, VACATION_RESPONSE_CAPABILITY] },
    );
    const asked = id('asked');
    const question2 = await deliver(account, { subject: 'Offsite', messageId: asked, inReplyTo: question });
    const sent = await mailboxOf(account, 'sent');
    const query = await harness.jmapMethod(account, 'Email/query', { filter: { inMailbox: sent } });
    const [autoReply] = query['ids'] as string[];
    expect(autoReply).toBeDefined();
    expect(await threadIdOf(account, autoReply!)).toBe(question2.threadId);
    expect(question2.threadId).toBe(first.threadId);
  });

  it('reads the rows of the emails that name the ids, not the account, under a generic plan', async () => {
    const account = randomUUID();
    const seed = await deliver(account, { subject: 'Bulk', messageId: id('seed') });
    // Five thousand more emails, each with its own Message-ID and two references, and their rows:
    // where a plan that scans the account, or the table, would read thousands of rows.
    await harness.db.query(
      `WITH copies AS (
         INSERT INTO mailbox.emails
         SELECT (jsonb_populate_record(e, jsonb_build_object(
                  'id', e.id || '-' || g, 'delivery_id', e.delivery_id || '-' || g,
                  'thread_id', e.thread_id || '-' || g, 'message_id', 'bulk-' || g || '@example.org',
                  'references', jsonb_build_array('earlier-1-bulk-' || g || '@example.org',
                                                  'earlier-2-bulk-' || g || '@example.org'),
                  'received_at', e.received_at + make_interval(secs => g)))).*
           FROM mailbox.emails AS e, generate_series(1, 5000) AS g
          WHERE e.id = $1
         RETURNING account_id, message_id, id)
       INSERT INTO mailbox.thread_message_ids (account_id, message_id, is_reference, email_id)
       SELECT account_id, named.message_id, named.is_reference, id
         FROM copies, LATERAL (VALUES (copies.message_id, false),
                                      ('earlier-1-' || copies.message_id, true),
                                      ('earlier-2-' || copies.message_id, true)) AS named (message_id, is_reference)`,
      [seed.id],
    );
    await harness.db.query('ANALYZE mailbox.emails, mailbox.thread_message_ids');

    const client = await harness.db.connect();
    const explainGeneric = async (messageId: string, referenced: string[], subject: string) => {
      const compiled = threadOf(account, messageId, subject, referenced).compile();
      const literals = compiled.parameters.map((value) =>
        client.escapeLiteral(
          Array.isArray(value) ? `{${value.map((item) => `"${String(item)}"`).join(',')}}` : String(value),
        ),
      );
      await client.query(`PREPARE lookup AS ${compiled.sql}`);
      try {
        return await rowsRead(client, `EXECUTE lookup(${literals.join(', ')})`);
      } finally {
        await client.query('DEALLOCATE lookup');
      }
    };
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      expect(await explainGeneric(id('new'), [], 'bulk')).toBe(0);
      // The id's own row and the email it names.
      expect(await explainGeneric(id('reply'), ['bulk-500@example.org'], 'bulk')).toBe(2);
    } finally {
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });

  it('holds exactly the ids every stored email names, whichever path stored it', async () => {
    const expected = await expectedRows(harness.db);
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.filter(([, , isReference]) => isReference).length).toBeGreaterThan(15);
    expect(await storedRows(harness.db)).toEqual(expected);
  });

  it('fills the table from the stored emails when migrated, so mail stored before it still threads', async () => {
    const account = randomUUID();
    const question = id('question');
    const first = await deliver(account, { subject: 'Migrated', messageId: question });
    const migration = new AddThreadMessageIds1796500000000();
    const runner = harness.app.get(DataSource).createQueryRunner();
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }

    expect(await storedRows(harness.db)).toEqual(await expectedRows(harness.db));
    const reply = await deliver(account, {
      subject: 'Re: Migrated',
      messageId: id('r'),
      inReplyTo: question,
    });
    expect(reply.threadId).toBe(first.threadId);
  });
});
