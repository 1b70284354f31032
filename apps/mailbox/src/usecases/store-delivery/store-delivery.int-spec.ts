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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage, unstorableTextMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

/** A delivery goes through a consumer group joining on the shared broker: allow it time. */
const STORED = { timeoutMs: 20_000 };

describe(StoreDeliveryUseCase.name, () => {
  let harness: MailboxTestApp;
  let useCase: StoreDeliveryUseCase;
  let producer: Producer;
  let changed: CollectedEvents<MailboxChangedV1>;
  let deadLetters: CollectedEvents<DeadLetterV1>;

  beforeAll(async () => {
    harness = await startMailboxApp();
    useCase = harness.app.get(StoreDeliveryUseCase);
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
