import { randomUUID } from 'node:crypto';
import { mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import { type CollectedEvents, collectEventsFromNow, expectEventually } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDraft } from '../testing/drafts.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { releaseDueSubmissions } from './release-submissions.js';

const DELAY_SECONDS = 3;
const MAX_HOLD_SECONDS = 3600;

describe(releaseDueSubmissions.name, () => {
  let harness: MailboxTestApp;
  let events: CollectedEvents<MailSubmittedV2>;
  const accountId = randomUUID();
  const address = `dora-${accountId.slice(0, 8)}@example.com`;
  let mailboxOf: Record<string, string>;
  let identityId: string;
  let canceledId: string;

  const jmap = (name: string, args: Record<string, unknown>) =>
    harness.sender(accountId, address).method(name, args);
  const publishedIds = () =>
    events.events.filter((event) => event.accountId === accountId).map((event) => event.submissionId);
  /** A draft to bob, submitted (with `envelope` when given); returns the email and the created submission. */
  const sendDraft = async (subject: string, envelope?: Record<string, unknown>) => {
    const emailId = await createDraft(harness.sender(accountId, address), {
      draftsId: mailboxOf['drafts']!,
      from: address,
      subject,
    });
    const set = await jmap('EmailSubmission/set', {
      create: { s: { identityId, emailId, ...(envelope ? { envelope } : {}) } },
    });
    const created = (set['created'] as Record<string, { id: string; sendAt: string; undoStatus: string }>)[
      's'
    ];
    expect(created, JSON.stringify(set)).toBeDefined();
    return { emailId, submission: created! };
  };
  const cancel = (id: string) =>
    jmap('EmailSubmission/set', { update: { [id]: { undoStatus: 'canceled' } } });
  const emailPlace = async (emailId: string) =>
    (
      (await jmap('Email/get', { ids: [emailId], properties: ['mailboxIds', 'keywords'] }))['list'] as Array<{
        mailboxIds: Record<string, boolean>;
        keywords: Record<string, boolean>;
      }>
    )[0];

  beforeAll(async () => {
    harness = await startMailboxApp({
      SUBMISSION_DELAY_SECONDS: String(DELAY_SECONDS),
      SUBMISSION_MAX_HOLD_SECONDS: String(MAX_HOLD_SECONDS),
    });
    events = await collectEventsFromNow(harness.kafka, mailSubmittedV2Topic);
    const mailboxes = (await jmap('Mailbox/get', { ids: null }))['list'] as Array<{
      id: string;
      role: string;
    }>;
    mailboxOf = Object.fromEntries(mailboxes.map((mailbox) => [mailbox.role, mailbox.id]));
    identityId = ((await jmap('Identity/get', { ids: null }))['list'] as Array<{ id: string }>)[0]!.id;
  });

  afterAll(async () => {
    await events?.stop();
    await harness?.close();
  });

  it('tells push-delivery the longest hold it enforces, for the session to advertise', async () => {
    const limits = await harness.internal('/internal/jmap/limits');
    expect(limits.status).toBe(200);
    expect(await limits.json()).toEqual({ submission: { maxHoldSeconds: MAX_HOLD_SECONDS } });
    expect((await fetch(`${harness.baseUrl}/internal/jmap/limits`)).status).toBe(401);
  });

  it('holds a delayed submission pending, and a cancel sends nothing and puts the email back in Drafts', async () => {
    const before = await jmap('EmailSubmission/get', { ids: [] });
    const startedAt = Date.now();
    const { emailId, submission } = await sendDraft('Undo me');
    canceledId = submission.id;
    expect(submission.undoStatus).toBe('pending');
    expect(Date.parse(submission.sendAt) - startedAt).toBeGreaterThanOrEqual(DELAY_SECONDS * 1000 - 1000);
    expect(await emailPlace(emailId)).toMatchObject({
      mailboxIds: { [mailboxOf['sent']!]: true },
      keywords: { $seen: true },
    });

    const canceled = await cancel(submission.id);
    expect(canceled['updated']).toEqual({ [submission.id]: null });
    const [got] = (await jmap('EmailSubmission/get', { ids: [submission.id] }))['list'] as Array<{
      undoStatus: string;
    }>;
    expect(got!.undoStatus).toBe('canceled');
    expect((await jmap('EmailSubmission/changes', { sinceState: before['state'] }))['created']).toEqual([
      submission.id,
    ]);
    expect(await emailPlace(emailId)).toMatchObject({
      mailboxIds: { [mailboxOf['drafts']!]: true },
      keywords: { $seen: true, $draft: true },
    });
    const outbox = await harness.db.query(
      'SELECT 1 FROM mailbox.submission_outbox WHERE submission_id = $1',
      [submission.id],
    );
    expect(outbox.rowCount).toBe(0);
    // Canceling again changes nothing and is no error.
    expect((await cancel(submission.id))['updated']).toEqual({ [submission.id]: null });
  });

  it('sends a delayed submission once due, not before, and then it cannot be canceled', async () => {
    const { submission } = await sendDraft('Send me');
    expect(publishedIds()).not.toContain(submission.id);

    await expectEventually(
      () => {
        if (!publishedIds().includes(submission.id)) throw new Error('not published yet');
      },
      { timeoutMs: 30_000 },
    );
    // Seen here after it was published, so it was published no earlier than this.
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(submission.sendAt));
    // Due earlier than this one and canceled: never published.
    expect(publishedIds()).not.toContain(canceledId);

    const [got] = (await jmap('EmailSubmission/get', { ids: [submission.id] }))['list'] as Array<{
      undoStatus: string;
    }>;
    expect(got!.undoStatus).toBe('final');
    expect((await cancel(submission.id))['notUpdated']).toMatchObject({
      [submission.id]: { type: 'cannotUnsend' },
    });
  });

  it('holds a submission until the time the client chose (FUTURERELEASE), then sends it once', async () => {
    const holdFor = DELAY_SECONDS + 3;
    const startedAt = Date.now();
    const envelope = {
      mailFrom: { email: address, parameters: { HOLDFOR: String(holdFor) } },
      rcptTo: [{ email: 'bob@elsewhere.example', parameters: null }],
    };
    const { submission } = await sendDraft('Later', envelope);
    expect(submission.undoStatus).toBe('pending');
    expect(Date.parse(submission.sendAt) - startedAt).toBeGreaterThanOrEqual(holdFor * 1000 - 1000);
    const [stored] = (await jmap('EmailSubmission/get', { ids: [submission.id], properties: ['envelope'] }))[
      'list'
    ] as Array<{ envelope: unknown }>;
    expect(stored!.envelope).toEqual(envelope);

    await expectEventually(
      () => {
        if (!publishedIds().includes(submission.id)) throw new Error('not published yet');
      },
      { timeoutMs: 30_000 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(submission.sendAt));
    expect(publishedIds().filter((id) => id === submission.id)).toHaveLength(1);
  });

  it('lets a held submission be canceled, and refuses a send time past the longest hold with invalidProperties', async () => {
    const far = new Date(Date.now() + 1800_000).toISOString();
    const { emailId, submission } = await sendDraft('Much later', {
      mailFrom: { email: address, parameters: { HOLDUNTIL: far } },
      rcptTo: [{ email: 'bob@elsewhere.example', parameters: null }],
    });
    expect(submission.undoStatus).toBe('pending');
    expect(Math.abs(Date.parse(submission.sendAt) - Date.parse(far))).toBeLessThan(1000);
    expect((await cancel(submission.id))['updated']).toEqual({ [submission.id]: null });
    expect(await emailPlace(emailId)).toMatchObject({ mailboxIds: { [mailboxOf['drafts']!]: true } });

    const tooFar = new Date(Date.now() + (MAX_HOLD_SECONDS + 600) * 1000).toISOString();
    const refused = await jmap('EmailSubmission/set', {
      create: {
        s: {
          identityId,
          emailId,
          envelope: {
            mailFrom: { email: address, parameters: { HOLDUNTIL: tooFar } },
            rcptTo: [{ email: 'bob@elsewhere.example', parameters: null }],
          },
        },
      },
    });
    expect((refused['created'] as Record<string, unknown> | null)?.['s']).toBeUndefined();
    expect((refused['notCreated'] as Record<string, unknown>)['s']).toMatchObject({
      type: 'invalidProperties',
      properties: ['envelope'],
    });
    expect(await emailPlace(emailId)).toMatchObject({ mailboxIds: { [mailboxOf['drafts']!]: true } });
    const rows = await harness.db.query(
      'SELECT count(*)::int AS n FROM mailbox.email_submissions WHERE email_id = $1',
      [emailId],
    );
    expect((rows.rows as Array<{ n: number }>)[0]!.n).toBe(1);
  });
});
