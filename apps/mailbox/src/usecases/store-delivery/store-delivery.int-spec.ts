import { randomUUID } from 'node:crypto';
import {
  deadLetterTopic,
  type DeadLetterV1,
  encodeEvent,
  mailArrivedTopic,
  mailboxChangedTopic,
  type MailboxChangedV1,
  type MailArrivedV1,
} from '@pushmail/contracts';
import type { Producer } from 'kafkajs';
import {
  type CollectedEvents,
  collectEventsFromNow,
  DEFAULT_MAILBOX_ROLES,
  expectEvent,
  expectEventually,
} from '@pushmail/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage, unstorableTextMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { RoundTrips } from '../../testing/round-trips.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

/** A delivery goes through a consumer group joining on the shared broker: allow it time. */
const STORED = { timeoutMs: 20_000 };

describe(StoreDeliveryUseCase.name, () => {
  let harness: MailboxTestApp;
  let useCase: StoreDeliveryUseCase;
  let producer: Producer;
  let changed: CollectedEvents<MailboxChangedV1>;
  let deadLetters: CollectedEvents<DeadLetterV1>;
  let roundTrips: RoundTrips;

  beforeAll(async () => {
    harness = await startMailboxApp();
    useCase = harness.app.get(StoreDeliveryUseCase);
    roundTrips = new RoundTrips(harness.app.get(DataSource));
    producer = harness.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    changed = await collectEventsFromNow(harness.kafka, mailboxChangedTopic);
    deadLetters = await collectEventsFromNow(harness.kafka, deadLetterTopic);
  });

  afterAll(async () => {
    await changed?.stop();
    await deadLetters?.stop();
    await producer?.disconnect();
    await harness?.close();
  });

  const accountState = async (accountId: string) => {
    const { rows } = await harness.db.query<{ modseq: string; delivery_modseq: string }>(
      'SELECT modseq, delivery_modseq FROM mailbox.account_state WHERE account_id = $1',
      [accountId],
    );
    return rows[0]
      ? { modseq: Number(rows[0].modseq), deliveryModseq: Number(rows[0].delivery_modseq) }
      : undefined;
  };
  const emailCount = async (accountId: string): Promise<number> => {
    const { rows } = await harness.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM mailbox.emails WHERE account_id = $1',
      [accountId],
    );
    return rows[0]!.count;
  };
  const produce = async (event: MailArrivedV1) => {
    const [metadata] = await producer.send({
      topic: mailArrivedTopic.name,
      acks: -1,
      messages: [encodeEvent(mailArrivedTopic, event)],
    });
    return { partition: metadata!.partition, offset: BigInt(metadata!.baseOffset!) };
  };
  const committedOffset = async (partition: number): Promise<bigint> => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({
        groupId: harness.deliveryGroupId,
        topics: [mailArrivedTopic.name],
      });
      const found = topic?.partitions.find((entry) => entry.partition === partition);
      return BigInt(found?.offset ?? '-1');
    } finally {
      await admin.disconnect();
    }
  };

  it('stores a redelivered event once and moves the state once', async () => {
    const accountId = randomUUID();
    const event = mailArrivedEvent(accountId, rawMessage({ subject: 'only once' }));

    const first = await useCase.execute([event]);
    const again = await useCase.execute([event]);
    const twiceInOneBatch = await useCase.execute([event, { ...event, eventId: randomUUID() }]);

    expect(first.changes).toEqual([
      {
        accountId,
        previousModseq: 0,
        states: expect.objectContaining({ modseq: 1, emailModseq: 1, deliveryModseq: 1 }),
        publishedModseq: 0,
        createdEmailIds: [expect.stringMatching(/^M[a-z2-7]{20}$/)],
        createdInMailboxIds: [expect.any(String)],
        acceptedAt: new Date(event.receivedAt),
      },
    ]);
    expect(first.published).toHaveLength(1);
    expect(first.published[0]!.createdEmailIds).toEqual(first.changes[0]!.createdEmailIds);
    const { rows: inbox } = await harness.db.query(
      "SELECT id FROM mailbox.mailboxes WHERE account_id = $1 AND role = 'inbox'",
      [accountId],
    );
    // The event names the folder the new mail went to, so a reader watching folders need not ask.
    expect(first.published[0]!.createdInMailboxIds).toEqual([inbox[0]!.id]);
    expect(again).toEqual({ changes: [], published: [] });
    expect(twiceInOneBatch).toEqual({ changes: [], published: [] });
    expect(await emailCount(accountId)).toBe(1);
    expect(await accountState(accountId)).toEqual({ modseq: 1, deliveryModseq: 1 });
    const { rows: mailboxes } = await harness.db.query(
      'SELECT role FROM mailbox.mailboxes WHERE account_id = $1',
      [accountId],
    );
    expect(mailboxes.map((row: { role: string }) => row.role).sort()).toEqual(DEFAULT_MAILBOX_ROLES);
  });

  /**
   * What `deliver` sent to PostgreSQL in the transaction of `accountId`, one text per round trip:
   * from the query that began it (its lock goes with the BEGIN) to the COMMIT that ended it (the
   * ROLLBACK, when the delivery failed), on the connection that began it. Also the delivery's outcome
   * (its error, when it failed) and the backend that ran it.
   */
  const transactionOf = <T>(accountId: string, deliver: () => Promise<T>) =>
    roundTrips.ofTransaction(
      deliver,
      (text) => text.startsWith('START TRANSACTION') && text.includes(accountId),
    );
  const changesAt = async (accountId: string, modseq: number) => {
    const { rows } = await harness.db.query<{ type: string; object_id: string; kind: string }>(
      'SELECT type, object_id, kind FROM mailbox.changes WHERE account_id = $1 AND modseq = $2 ORDER BY type',
      [accountId, modseq],
    );
    return rows;
  };
  const deliverTo = (accountId: string, subject: string) =>
    useCase.execute([mailArrivedEvent(accountId, rawMessage({ subject }))]);
  const LOCK_WITH_BEGIN = /^START TRANSACTION; SELECT \* FROM mailbox\.lock_for_delivery\(/;
  const EMAIL = /^with "email" as \(insert into "mailbox"\."emails"/;
  const CHANGES = /^WITH state AS \(\s+UPDATE mailbox\.account_state\s/;

  it("sends a delivery of one message in three round trips, the account's changes with the COMMIT", async () => {
    const accountId = randomUUID();
    // The account's first delivery also creates its mailboxes: count the next one.
    await deliverTo(accountId, 'first');

    const { trips, result } = await transactionOf(accountId, () => deliverTo(accountId, 'second'));

    expect(trips).toEqual([
      expect.stringMatching(LOCK_WITH_BEGIN),
      expect.stringMatching(EMAIL),
      expect.stringMatching(new RegExp(`${CHANGES.source}[\\s\\S]*'${accountId}'[\\s\\S]*; COMMIT$`)),
    ]);
    const [change] = result!.changes;
    const { rows: states } = await harness.db.query(
      `SELECT modseq::int, email_modseq::int, mailbox_modseq::int, thread_modseq::int, delivery_modseq::int
         FROM mailbox.account_state WHERE account_id = $1`,
      [accountId],
    );
    expect(states).toEqual([
      { modseq: 2, email_modseq: 2, mailbox_modseq: 2, thread_modseq: 2, delivery_modseq: 2 },
    ]);
    const { rows: threads } = await harness.db.query<{ thread_id: string }>(
      'SELECT thread_id FROM mailbox.emails WHERE id = $1',
      [change!.createdEmailIds[0]],
    );
    expect(await changesAt(accountId, 2)).toEqual([
      { type: 'Email', object_id: change!.createdEmailIds[0], kind: 'created' },
      { type: 'Mailbox', object_id: change!.createdInMailboxIds[0], kind: 'updated' },
      { type: 'Thread', object_id: threads[0]!.thread_id, kind: 'created' },
    ]);
  });

  it('sends the changes before a COMMIT of its own when one of their values cannot be written out', async () => {
    const accountId = randomUUID();
    // No writer of this service makes such a mailbox id, but the changes must carry it as it is.
    const inboxId = "Fin'box; --";
    await harness.db.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [accountId]);
    await harness.db.query(
      `INSERT INTO mailbox.mailboxes (id, account_id, name, role, created_modseq, updated_modseq)
       VALUES ($1, $2, 'Inbox', 'inbox', 0, 0)`,
      [inboxId, accountId],
    );
    await deliverTo(accountId, 'first');

    const { trips, result } = await transactionOf(accountId, () => deliverTo(accountId, 'second'));

    expect(trips).toEqual([
      expect.stringMatching(LOCK_WITH_BEGIN),
      expect.stringMatching(EMAIL),
      expect.stringMatching(new RegExp(`${CHANGES.source}[\\s\\S]*\\$1\\b`)),
      'COMMIT',
    ]);
    const [change] = result!.changes;
    expect(change).toMatchObject({
      createdInMailboxIds: [inboxId],
      states: { modseq: 2, deliveryModseq: 2 },
    });
    expect(await changesAt(accountId, 2)).toEqual([
      { type: 'Email', object_id: change!.createdEmailIds[0], kind: 'created' },
      { type: 'Mailbox', object_id: inboxId, kind: 'updated' },
      { type: 'Thread', object_id: expect.stringMatching(/^T/), kind: 'created' },
    ]);
    expect(await emailCount(accountId)).toBe(2);
    expect(await accountState(accountId)).toEqual({ modseq: 2, deliveryModseq: 2 });
  });

  it('rolls back a delivery whose changes fail with the COMMIT, and its connection holds no transaction after', async () => {
    const accountId = randomUUID();
    await deliverTo(accountId, 'first');
    const refuse = `mailbox.refuse_changes_${accountId.replaceAll('-', '')}`;
    await harness.db.query(
      `CREATE FUNCTION ${refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'changes refused'; END $$`,
    );
    await harness.db.query(
      `CREATE TRIGGER refuse_changes BEFORE INSERT ON mailbox.changes FOR EACH ROW
         WHEN (NEW.account_id = '${accountId}') EXECUTE FUNCTION ${refuse}()`,
    );
    let failed: Awaited<ReturnType<typeof transactionOf>>;
    let failedAt: Date;
    try {
      failed = await transactionOf(accountId, () => deliverTo(accountId, 'refused'));
      failedAt = new Date();
    } finally {
      await harness.db.query(`DROP TRIGGER refuse_changes ON mailbox.changes; DROP FUNCTION ${refuse}()`);
    }

    expect(failed.error).toMatchObject({ message: 'changes refused' });
    expect(failed.trips).toEqual([
      expect.stringMatching(LOCK_WITH_BEGIN),
      expect.stringMatching(EMAIL),
      expect.stringMatching(new RegExp(`${CHANGES.source}[\\s\\S]*; COMMIT$`)),
      'ROLLBACK',
    ]);
    // Nothing of it stayed: not the email, its blob, the new states or a change row.
    expect(await emailCount(accountId)).toBe(1);
    expect(await accountState(accountId)).toEqual({ modseq: 1, deliveryModseq: 1 });
    const { rows: stored } = await harness.db.query<{ blobs: number; changes: number }>(
      `SELECT (SELECT count(*)::int FROM mailbox.blobs WHERE account_id = $1) AS blobs,
              (SELECT count(*)::int FROM mailbox.changes WHERE account_id = $1 AND modseq > 1) AS changes`,
      [accountId],
    );
    expect(stored).toEqual([{ blobs: 1, changes: 0 }]);
    // Its connection went back to the pool outside the transaction (another delivery may have
    // begun one on it since; an aborted one shows no start), and the next delivery stores.
    const { rows: open } = await harness.db.query(
      `SELECT state FROM pg_stat_activity
        WHERE pid = $1 AND (state = 'idle in transaction (aborted)' OR xact_start < $2)`,
      [failed.pid, failedAt],
    );
    expect(open).toEqual([]);
    const next = await deliverTo(accountId, 'after the refusal');
    expect(next.changes).toMatchObject([{ previousModseq: 1, states: { modseq: 2 } }]);
    expect(await emailCount(accountId)).toBe(2);
  });

  it('stores deliveries whose ids could end a literal as any other, once, with the accounts of a batch each locked', async () => {
    const quoting = randomUUID();
    const plain = randomUUID();
    // Such an id is never written into a statement: its lock takes a round trip of its own.
    const hostile = {
      ...mailArrivedEvent(quoting, rawMessage({ subject: 'quoted id' })),
      deliveryId: "x'); DELETE FROM mailbox.emails; --",
    };
    const other = mailArrivedEvent(plain, rawMessage({ subject: 'plain id' }));

    const batch = await useCase.execute([hostile, other]);
    const again = await useCase.execute([{ ...hostile, eventId: randomUUID() }]);

    expect(batch.changes.map((change) => change.accountId).sort()).toEqual([quoting, plain].sort());
    expect(again).toEqual({ changes: [], published: [] });
    expect(await emailCount(quoting)).toBe(1);
    expect(await emailCount(plain)).toBe(1);
    const { rows } = await harness.db.query<{ delivery_id: string }>(
      'SELECT delivery_id FROM mailbox.emails WHERE account_id = $1',
      [quoting],
    );
    expect(rows.map((row) => row.delivery_id)).toEqual([hostile.deliveryId]);
    expect(await accountState(quoting)).toEqual({ modseq: 1, deliveryModseq: 1 });
  });

  it("writes every message's blob, alone (with its email) or in a batch, and the same bytes once", async () => {
    const accountId = randomUUID();
    const raws = ['alone', 'batch one', 'batch two'].map((subject) => rawMessage({ subject }));
    await useCase.execute([mailArrivedEvent(accountId, raws[0]!)]);
    await useCase.execute(raws.slice(1).map((raw) => mailArrivedEvent(accountId, raw)));
    // The first message again under another delivery id: a second email, the same blob.
    await useCase.execute([mailArrivedEvent(accountId, raws[0]!)]);

    const { rows } = await harness.db.query<{ size: number; data: Buffer; blob_size: number }>(
      `SELECT email.size, blob.data, blob.size AS blob_size
         FROM mailbox.emails AS email
         JOIN mailbox.blobs AS blob ON blob.account_id = email.account_id AND blob.id = email.blob_id
        WHERE email.account_id = $1 ORDER BY email.created_modseq`,
      [accountId],
    );
    expect(rows.map((row) => row.data.toString('utf8'))).toEqual([raws[0], raws[1], raws[2], raws[0]]);
    for (const row of rows) expect([row.size, row.blob_size]).toEqual([row.data.length, row.data.length]);
    const { rows: blobs } = await harness.db.query<{ blobs: number }>(
      'SELECT count(*)::int AS blobs FROM mailbox.blobs WHERE account_id = $1',
      [accountId],
    );
    expect(blobs[0]!.blobs).toBe(3);
  });

  it('stores the same event consumed twice from the topic once', async () => {
    const accountId = randomUUID();
    const event = mailArrivedEvent(accountId, rawMessage({ subject: 'sent twice' }));

    await produce(event);
    const second = await produce(event);

    await expectEventually(
      async () => expect(await committedOffset(second.partition)).toBeGreaterThan(second.offset),
      STORED,
    );
    expect(await emailCount(accountId)).toBe(1);
    expect(await accountState(accountId)).toEqual({ modseq: 1, deliveryModseq: 1 });
  });

  it('stores a produced event and announces the new state', async () => {
    const accountId = randomUUID();
    const event = mailArrivedEvent(accountId, rawMessage({ subject: 'announce me' }));
    await produce(event);

    // Other services on the shared broker may announce the same event first: wait for this store's.
    const { announced, rows } = await expectEventually(async () => {
      const { rows } = await harness.db.query<{ id: string; subject: string }>(
        'SELECT id, subject FROM mailbox.emails WHERE account_id = $1',
        [accountId],
      );
      const match = changed.events.find(
        (event) => event.accountId === accountId && event.createdEmailIds[0] === rows[0]?.id,
      );
      if (!match)
        throw new Error(
          `no mailbox-changed event of this store yet (rows ${rows.length}, events ${changed.events.length})`,
        );
      return { announced: match, rows };
    }, STORED);
    expect(rows).toEqual([{ id: expect.any(String), subject: 'announce me' }]);
    expect(announced).toMatchObject({
      accountId,
      state: '1',
      changed: { Email: '1', Mailbox: '1', Thread: '1', EmailDelivery: '1' },
      cause: 'delivery',
      createdEmailIds: [rows[0]!.id],
      createdInMailboxIds: [expect.any(String)],
      acceptedAt: event.receivedAt,
    });
  });

  it('dead-letters an event with an invalid schema and goes on with the next one', async () => {
    const accountId = randomUUID();
    const invalid = { eventId: randomUUID(), accountId, deliveryId: 'broken' };
    const [metadata] = await producer.send({
      topic: mailArrivedTopic.name,
      acks: -1,
      messages: [{ key: accountId, value: JSON.stringify(invalid) }],
    });
    // Same key, same partition: it is only consumed once the invalid one has been dealt with.
    await produce(mailArrivedEvent(accountId, rawMessage({ subject: 'after the poison' })));

    await expectEventually(async () => expect(await emailCount(accountId)).toBe(1), STORED);
    const letter = await expectEvent(
      deadLetters,
      (event) => event.consumerGroup === harness.deliveryGroupId && event.key === accountId,
      'dead letter',
      STORED.timeoutMs,
    );
    expect(letter).toMatchObject({
      sourceTopic: mailArrivedTopic.name,
      partition: metadata!.partition,
      offset: metadata!.baseOffset,
      reason: expect.stringContaining(`schema ${mailArrivedTopic.name}`),
    });
    expect(JSON.parse(Buffer.from(letter.valueBase64, 'base64').toString('utf8'))).toEqual(invalid);
  });

  it('stores a message the MIME parser rejects with its header fields', async () => {
    const accountId = randomUUID();
    const parts = Array.from(
      { length: 1100 },
      (_, index) => `--B\r\nContent-Type: text/plain\r\n\r\npart ${index}\r\n`,
    ).join('');
    const raw = `Subject: unparseable\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n${parts}--B--\r\n`;

    const result = await useCase.execute([mailArrivedEvent(accountId, raw)]);

    expect(result.changes).toHaveLength(1);
    const { rows } = await harness.db.query<{ subject: string; raw: Buffer; text_body: string | null }>(
      `SELECT email.subject, blob.data AS raw, email.text_body
         FROM mailbox.emails AS email
         JOIN mailbox.blobs AS blob ON blob.account_id = email.account_id AND blob.id = email.blob_id
        WHERE email.account_id = $1`,
      [accountId],
    );
    expect(rows[0]).toMatchObject({ subject: 'unparseable', text_body: null });
    expect(rows[0]!.raw.equals(Buffer.from(raw))).toBe(true);
  });

  it('stores a consumed message whose names decode to lone surrogates and NULs, and dead-letters nothing', async () => {
    const accountId = randomUUID();
    const raw = unstorableTextMessage('surrogates');
    await produce(mailArrivedEvent(accountId, raw));

    const row = await expectEventually(async () => {
      const { rows } = await harness.db.query<{
        subject: string;
        from: unknown;
        to: unknown;
        attachments: Array<{ name: string }>;
        text_body: string;
        data: Buffer;
      }>(
        `SELECT email.subject, email."from", email."to", email.attachments, email.text_body, blob.data
           FROM mailbox.emails AS email
           JOIN mailbox.blobs AS blob ON blob.account_id = email.account_id AND blob.id = email.blob_id
          WHERE email.account_id = $1`,
        [accountId],
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    }, STORED);

    expect(row.from).toEqual([{ name: '\ufffd', email: 'ada@example.org' }]);
    expect(row.to).toEqual([
      { name: '\ufffd', email: 'bob@example.com' },
      { name: 'NulName', email: 'carol@example.com' },
    ]);
    expect(row.subject).toBe('surrogates \ufffd');
    expect(row.attachments[0]!.name).toBe('\ufffd.bin');
    expect(row.text_body).toContain('body with a NUL  in it');
    expect(row.data.equals(Buffer.from(raw))).toBe(true);
    const lettersOfThisAccount = deadLetters.events.filter((event) => event.key === accountId);
    expect(lettersOfThisAccount).toEqual([]);
  });
});
