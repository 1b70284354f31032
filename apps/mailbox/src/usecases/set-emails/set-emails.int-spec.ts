import { randomUUID } from 'node:crypto';
import { mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import { type CollectedEvents, collectEventsFromNow, expectEvent, mailboxIdsByRole } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../store-delivery/store-delivery.usecase.js';
import { SetEmailsUseCase } from './set-emails.usecase.js';

describe(SetEmailsUseCase.name, () => {
  let harness: MailboxTestApp;
  let changed: CollectedEvents<MailboxChangedV1>;
  const accountId = randomUUID();
  let roles: Record<string, string>;
  let emails: string[];

  const one = (name: string, args: Record<string, unknown>) => harness.jmapMethod(accountId, name, args);
  const announced = (state: string): Promise<MailboxChangedV1> =>
    expectEvent(
      changed,
      (event) => event.accountId === accountId && event.state === state,
      `announcement of state ${state}`,
    );
  const internal = (path: string, init?: RequestInit) => harness.internal(path, init);

  beforeAll(async () => {
    harness = await startMailboxApp();
    changed = await collectEventsFromNow(harness.kafka, mailboxChangedTopic);
    const result = await harness.app
      .get(StoreDeliveryUseCase)
      .execute([
        mailArrivedEvent(accountId, rawMessage({ subject: 'one' })),
        mailArrivedEvent(accountId, rawMessage({ subject: 'two' })),
      ]);
    emails = result.changes[0]!.createdEmailIds;
    roles = mailboxIdsByRole(await one('Mailbox/get', { ids: null }));
  });

  afterAll(async () => {
    await changed?.stop();
    await harness?.close();
  });

  it('records a flag change in one transaction and announces only the types it moved', async () => {
    const result = await one('Email/set', { update: { [emails[0]!]: { 'keywords/$seen': true } } });
    expect(result).toMatchObject({
      oldState: '1',
      newState: '2',
      updated: { [emails[0]!]: null },
      notUpdated: null,
    });

    expect(await announced('2')).toMatchObject({ cause: 'update', changed: { Email: '2', Mailbox: '2' } });
    expect(Object.keys((await announced('2')).changed).sort()).toEqual(['Email', 'Mailbox']);
    const mailboxChanges = await one('Mailbox/changes', { sinceState: '1' });
    expect(mailboxChanges).toMatchObject({ updated: [roles['inbox']], newState: '2' });
    expect((await one('Thread/changes', { sinceState: '1' }))['newState']).toBe('1');

    const again = await one('Email/set', { update: { [emails[0]!]: { 'keywords/$seen': true } } });
    expect(again).toMatchObject({ oldState: '2', newState: '2' });
  });

  it('announces a destroy with its thread and answers the push catch-up with only what changed', async () => {
    const result = await one('Email/set', { destroy: [emails[1]!] });
    expect(result).toMatchObject({ destroyed: [emails[1]], newState: '3' });
    expect(await announced('3')).toMatchObject({
      cause: 'destroy',
      changed: { Email: '3', Mailbox: '3', Thread: '3' },
    });

    const since = await internal(`/internal/jmap/state/${accountId}?since=2`);
    expect(await since.json()).toEqual({ state: '3', changed: { Email: '3', Mailbox: '3', Thread: '3' } });
    const all = await internal(`/internal/jmap/state/${accountId}?since=nonsense`);
    expect(await all.json()).toEqual({
      state: '3',
      changed: {
        Email: '3',
        Mailbox: '3',
        Thread: '3',
        EmailDelivery: '1',
        VacationResponse: '0',
        Identity: '0',
        EmailSubmission: '0',
      },
    });
  });

  it('creates a draft with an uploaded attachment, whose part downloads as the uploaded bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const blobId = await harness.uploadBlob(accountId, bytes, 'application/x-test');

    const created = await one('Email/set', {
      create: {
        draft: {
          mailboxIds: { [roles['drafts']!]: true },
          keywords: { $draft: true, $seen: true },
          from: [{ name: 'Bob', email: 'bob@example.com' }],
          subject: 'With attachment',
          textBody: [{ partId: 'body', type: 'text/plain' }],
          bodyValues: { body: { value: 'See attached.' } },
          attachments: [{ blobId, type: 'application/x-test', name: 'data.bin' }],
        },
        broken: { mailboxIds: { [roles['drafts']!]: true }, attachments: [{ blobId: `B${'9'.repeat(64)}` }] },
      },
    });
    expect((created['notCreated'] as Record<string, unknown>)['broken']).toMatchObject({
      type: 'blobNotFound',
    });
    const draftId = (created['created'] as Record<string, { id: string }>)['draft']!.id;
    const [email] = (
      await one('Email/get', {
        ids: [draftId],
        properties: ['subject', 'attachments', 'hasAttachment', 'keywords'],
      })
    )['list'] as Array<{ attachments: Array<{ blobId: string; name: string; type: string }> }>;
    expect(email).toMatchObject({
      subject: 'With attachment',
      hasAttachment: true,
      keywords: { $draft: true, $seen: true },
    });
    expect(email!.attachments).toMatchObject([{ name: 'data.bin', type: 'application/x-test' }]);

    const part = await internal(`/internal/blobs/${accountId}/${email!.attachments[0]!.blobId}`);
    expect(part.status).toBe(200);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes)).toBe(true);
    const drafts = (
      (await one('Mailbox/get', { ids: [roles['drafts']!] }))['list'] as Array<Record<string, number>>
    )[0]!;
    expect(drafts).toMatchObject({ totalEmails: 1, unreadEmails: 0, totalThreads: 1, unreadThreads: 0 });
  });

  it('refuses blob calls without the internal token, and answers 404 for blobs of other accounts', async () => {
    const upload = await internal(`/internal/blobs/${accountId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'secret',
    });
    const { blobId } = (await upload.json()) as { blobId: string };
    expect((await internal(`/internal/blobs/${randomUUID()}/${blobId}`)).status).toBe(404);
    expect((await fetch(`${harness.baseUrl}/internal/blobs/${accountId}/${blobId}`)).status).toBe(401);
    expect((await internal(`/internal/blobs/not-a-uuid/${blobId}`)).status).toBe(400);
  });
});
