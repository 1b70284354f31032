import { randomUUID } from 'node:crypto';
import { mailDeliveryStatusTopic, mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import type { Invocation } from '@pushmail/jmap';
import { createLogger, EventProducer } from '@pushmail/platform';
import {
  type CollectedEvents,
  collectEventsFromNow,
  expectEventually,
  mailboxIdsByRole,
} from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { SubmitEmailsUseCase } from './submit-emails.usecase.js';

const MAX_PER_HOUR = 6;
const MAX_BYTES = 8000;

describe(SubmitEmailsUseCase.name, () => {
  let harness: MailboxTestApp;
  let submittedEvents: CollectedEvents<MailSubmittedV2>;
  let producer: EventProducer;
  const accountId = randomUUID();
  const address = `alice-${accountId.slice(0, 8)}@example.com`;
  let roles: Record<string, string>;
  let identityId: string;

  const call = (methodCalls: Invocation[], caller: string | null = address) =>
    harness.sender(accountId, address).call(methodCalls, { address: caller });
  const one = (name: string, args: Record<string, unknown>) =>
    harness.sender(accountId, address).method(name, args);
  const submitted = (): MailSubmittedV2[] =>
    submittedEvents.events.filter((event) => event.accountId === accountId);
  const draft = async (fields: Record<string, unknown>): Promise<string> => {
    const result = await one('Email/set', {
      create: {
        d: {
          mailboxIds: { [roles['drafts']!]: true },
          keywords: { $draft: true },
          from: [{ name: 'Alice', email: address }],
          to: [{ name: 'Bob', email: 'bob@elsewhere.example' }],
          subject: 'Noon',
          textBody: [{ partId: 'body', type: 'text/plain' }],
          bodyValues: { body: { value: 'See you at noon.' } },
          ...fields,
        },
      },
    });
    const created = result['created'] as Record<string, { id: string }> | null;
    expect(created?.['d'], JSON.stringify(result)).toBeDefined();
    return created!['d']!.id;
  };
  const submit = async (emailId: string, extra: Record<string, unknown> = {}) => {
    const result = await one('EmailSubmission/set', { create: { s: { identityId, emailId, ...extra } } });
    return {
      created: (result['created'] as Record<string, Record<string, unknown>> | null)?.['s'],
      error: (result['notCreated'] as Record<string, Record<string, unknown>> | null)?.['s'],
    };
  };

  beforeAll(async () => {
    harness = await startMailboxApp({
      SUBMISSION_MAX_PER_HOUR: String(MAX_PER_HOUR),
      SUBMISSION_MAX_RECIPIENTS: '3',
      SUBMISSION_MAX_BYTES: String(MAX_BYTES),
    });
    submittedEvents = await collectEventsFromNow(harness.kafka, mailSubmittedV2Topic);
    producer = new EventProducer(harness.kafka, createLogger('test', 'warn'));
    await producer.connect();
    roles = mailboxIdsByRole(await one('Mailbox/get', { ids: null }));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await submittedEvents?.stop();
    await harness?.close();
  });

  it('gives an account one identity for its own address, and more only for that address', async () => {
    const got = await one('Identity/get', { ids: null });
    const list = got['list'] as Array<{ id: string; email: string; mayDelete: boolean }>;
    expect(list).toEqual([expect.objectContaining({ email: address, mayDelete: false })]);
    identityId = list[0]!.id;

    const set = await one('Identity/set', {
      create: {
        work: { email: address.toUpperCase(), name: 'Alice at work', textSignature: '-- \nAlice' },
        spoof: { email: 'ceo@example.com', name: 'The CEO' },
        injected: { email: address, name: 'Alice\r\nBcc: eve@evil.example' },
      },
      destroy: [identityId],
    });
    expect(Object.keys(set['created'] as object)).toEqual(['work']);
    expect(set['notCreated']).toMatchObject({
      spoof: { type: 'forbiddenFrom' },
      injected: { type: 'invalidProperties', properties: ['name'] },
    });
    expect(set['notDestroyed']).toMatchObject({ [identityId]: { type: 'forbidden' } });

    const changes = await one('Identity/changes', { sinceState: got['state'] });
    expect(changes['created']).toEqual([(set['created'] as Record<string, { id: string }>)['work']!.id]);

    const workId = (set['created'] as Record<string, { id: string }>)['work']!.id;
    const update = {
      name: 'Alice, working',
      replyTo: [{ name: null, email: address }],
      htmlSignature: '<p>A</p>',
    };
    expect((await one('Identity/set', { update: { [workId]: update } }))['updated']).toEqual({
      [workId]: null,
    });
    const [work] = (await one('Identity/get', { ids: [workId] }))['list'] as unknown[];
    expect(work).toMatchObject({ ...update, textSignature: '-- \nAlice', bcc: null, mayDelete: true });
    expect((await one('Identity/set', { destroy: [workId] }))['destroyed']).toEqual([workId]);
    expect((await one('Identity/get', { ids: [workId] }))['notFound']).toEqual([workId]);
  });

  it('submits a draft: stored final, filed in Sent as seen, and published without its Bcc once stored', async () => {
    const emailId = await draft({ bcc: [{ name: null, email: 'carol@example.com' }] });
    const before = await one('EmailSubmission/get', { ids: null });
    const responses = await call([
      [
        'EmailSubmission/set',
        {
          accountId,
          create: { s: { identityId, emailId } },
          onSuccessUpdateEmail: { '#s': { 'keywords/$flagged': true } },
        },
        'c',
      ],
    ]);
    expect(responses.map(([name]) => name)).toEqual(['EmailSubmission/set', 'Email/set']);
    const created = (
      responses[0]![1]['created'] as Record<string, { id: string; undoStatus: string; envelope: unknown }>
    )['s']!;
    expect(created.undoStatus).toBe('final');
    // The envelope the server derived is a default it set, so it is answered (RFC 8620 §5.3).
    expect(created.envelope).toEqual({
      mailFrom: { email: address, parameters: null },
      rcptTo: [
        { email: 'bob@elsewhere.example', parameters: null },
        { email: 'carol@example.com', parameters: null },
      ],
    });
    expect(responses[1]![1]['updated']).toEqual({ [emailId]: null });

    const [email] = (await one('Email/get', { ids: [emailId], properties: ['mailboxIds', 'keywords'] }))[
      'list'
    ] as Array<{ mailboxIds: Record<string, boolean>; keywords: Record<string, boolean> }>;
    expect(email!.mailboxIds).toEqual({ [roles['sent']!]: true });
    expect(email!.keywords).toEqual({ $seen: true, $flagged: true });

    const [submission] = (await one('EmailSubmission/get', { ids: [created.id] }))['list'] as Array<
      Record<string, unknown>
    >;
    expect(submission).toMatchObject({
      emailId,
      identityId,
      undoStatus: 'final',
      envelope: {
        mailFrom: { email: address },
        rcptTo: [{ email: 'bob@elsewhere.example' }, { email: 'carol@example.com' }],
      },
      deliveryStatus: {
        'bob@elsewhere.example': { delivered: 'queued' },
        'carol@example.com': { delivered: 'queued' },
      },
    });
    const changes = await one('EmailSubmission/changes', { sinceState: before['state'] });
    expect(changes['created']).toEqual([created.id]);

    const event = await expectEventually(
      () => {
        const found = submitted().find((candidate) => candidate.submissionId === created.id);
        if (!found) throw new Error('not published yet');
        return found;
      },
      { timeoutMs: 20_000 },
    );
    expect(event.envelope).toEqual({
      mailFrom: address,
      rcptTo: ['bob@elsewhere.example', 'carol@example.com'],
    });
    const raw = Buffer.from(event.rawBase64, 'base64').toString();
    expect(raw).toContain('Subject: Noon');
    expect(raw).not.toMatch(/^bcc:/im);
    expect(raw).not.toContain('carol@example.com');
    const outbox = await harness.db.query('SELECT count(*)::int AS n FROM mailbox.submission_outbox');
    expect(outbox.rows[0].n).toBe(0);

    const query = await one('EmailSubmission/query', { filter: { emailIds: [emailId] } });
    expect(query['ids']).toEqual([created.id]);
  });

  it('keeps deliveryStatus current from delivery-status events and never undoes a final outcome', async () => {
    const emailId = await draft({});
    const { created } = await submit(emailId);
    const submissionId = created!['id'] as string;
    const before = await one('EmailSubmission/get', { ids: [] });
    const status = (delivered: 'yes' | 'queued', smtpReply: string) => ({
      eventId: randomUUID(),
      accountId,
      submissionId,
      recipient: 'Bob@elsewhere.example',
      delivered,
      smtpReply,
      attempts: 1,
      occurredAt: new Date().toISOString(),
    });
    await producer.publish(mailDeliveryStatusTopic, [
      status('yes', '250 2.0.0 Ok'),
      status('queued', '451 later'),
    ]);
    const current = await expectEventually(
      async () => {
        const [submission] = (await one('EmailSubmission/get', { ids: [submissionId] }))['list'] as Array<{
          deliveryStatus: Record<string, { delivered: string; smtpReply: string }>;
        }>;
        if (submission!.deliveryStatus['bob@elsewhere.example']!.delivered !== 'yes')
          throw new Error('not yet');
        return submission!;
      },
      { timeoutMs: 30_000 },
    );
    expect(current.deliveryStatus['bob@elsewhere.example']).toEqual({
      delivered: 'yes',
      smtpReply: '250 2.0.0 Ok',
      displayed: 'unknown',
    });
    const changes = await one('EmailSubmission/changes', { sinceState: before['state'] });
    expect(changes['updated']).toEqual([submissionId]);
  });

  it('refuses what the account may not send, with the error RFC 8621 names, and publishes nothing', async () => {
    const publishedBefore = submitted().length;
    const spoofed = await draft({ from: [{ name: 'CEO', email: 'ceo@example.com' }] });
    expect((await submit(spoofed)).error).toMatchObject({ type: 'forbiddenFrom' });

    const ok = await draft({});
    expect(
      (
        await submit(ok, {
          envelope: { mailFrom: { email: 'ceo@example.com' }, rcptTo: [{ email: 'b@x.example' }] },
        })
      ).error,
    ).toMatchObject({ type: 'forbiddenMailFrom' });
    expect(
      (await submit(ok, { envelope: { mailFrom: { email: address }, rcptTo: [] } })).error,
    ).toMatchObject({
      type: 'noRecipients',
    });
    const injected = 'bob@elsewhere.example>\r\nRCPT TO:<eve@evil.example';
    expect(
      (await submit(ok, { envelope: { mailFrom: { email: address }, rcptTo: [{ email: injected }] } })).error,
    ).toMatchObject({ type: 'invalidRecipients', invalidRecipients: [injected] });
    const many = await draft({
      to: ['a', 'b', 'c', 'd'].map((local) => ({ name: null, email: `${local}@elsewhere.example` })),
    });
    expect((await submit(many)).error).toMatchObject({ type: 'tooManyRecipients', maxRecipients: 3 });
    const big = await draft({ bodyValues: { body: { value: 'x'.repeat(MAX_BYTES) } } });
    expect((await submit(big)).error).toMatchObject({ type: 'tooLarge', maxSize: MAX_BYTES });
    expect((await submit('Mnope')).error).toMatchObject({ type: 'emailNotFound' });

    // An address the edge no longer reports for the account cannot send.
    const [[, stale]] = (await call(
      [['EmailSubmission/set', { accountId, create: { s: { identityId, emailId: ok } } }, 'c']],
      'someone-else@example.com',
    )) as [Invocation];
    expect((stale['notCreated'] as Record<string, unknown>)['s']).toMatchObject({ type: 'forbiddenFrom' });

    const [[, cancel]] = (await call([
      ['EmailSubmission/set', { accountId, update: { Snope: { undoStatus: 'canceled' } } }, 'c'],
    ])) as [Invocation];
    expect(cancel['notUpdated']).toMatchObject({ Snope: { type: 'notFound' } });

    await new Promise((resolve) => setImmediate(resolve));
    expect(submitted().length).toBe(publishedBefore);
  });

  it('stops an account at its hourly limit with forbiddenToSend', async () => {
    const sent = Number(
      (
        await harness.db.query(
          'SELECT count(*)::int AS n FROM mailbox.email_submissions WHERE account_id = $1',
          [accountId],
        )
      ).rows[0].n,
    );
    for (let index = sent; index < MAX_PER_HOUR; index += 1) {
      expect((await submit(await draft({}))).created).toBeDefined();
    }
    const over = await submit(await draft({}));
    expect(over.error).toMatchObject({ type: 'forbiddenToSend' });
    expect(over.error!['description']).toMatch(/limit/);
    const [submission] = (await one('EmailSubmission/get', { ids: null }))['list'] as Array<{ id: string }>;
    const [[, cancel]] = (await call([
      ['EmailSubmission/set', { accountId, update: { [submission!.id]: { undoStatus: 'canceled' } } }, 'c'],
    ])) as [Invocation];
    expect(cancel['notUpdated']).toMatchObject({ [submission!.id]: { type: 'cannotUnsend' } });
  });
});
