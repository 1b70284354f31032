import { randomUUID } from 'node:crypto';
import {
  mailboxChangedTopic,
  type MailboxChangedV1,
  mailDeliveryStatusTopic,
  pushedChanges,
} from '@pushmail/contracts';
import { createLogger, EventProducer } from '@pushmail/platform';
import { type CollectedEvents, collectEventsFromNow, expectEvent, mailboxIdsByRole } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDraft } from '../testing/drafts.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { MailboxChangesPublisher } from './mailbox-changes.publisher.js';

const DELAY_SECONDS = 2;

/**
 * Identity and EmailSubmission changes are announced with their types (in `moreChanged`), so the
 * edge pushes them, and the pushed state is one /changes answers from.
 */
describe(`${MailboxChangesPublisher.name} for identities and submissions`, () => {
  let harness: MailboxTestApp;
  let changed: CollectedEvents<MailboxChangedV1>;
  let producer: EventProducer;
  const accountId = randomUUID();
  const address = `erin-${accountId.slice(0, 8)}@example.com`;
  let drafts: string;
  let identityId: string;

  const jmap = (name: string, args: Record<string, unknown>) =>
    harness.sender(accountId, address).method(name, args);
  /** The announcement of the type's state `state`, with what a StateChange for it would carry. */
  const pushedFor = async (type: 'Identity' | 'EmailSubmission', state: string) => {
    const event = await expectEvent(
      changed,
      (candidate) => candidate.accountId === accountId && candidate.moreChanged?.[type] === state,
      `${type} state ${state} announced`,
    );
    return { event, pushed: pushedChanges(event) };
  };

  beforeAll(async () => {
    harness = await startMailboxApp({ SUBMISSION_DELAY_SECONDS: String(DELAY_SECONDS) });
    changed = await collectEventsFromNow(harness.kafka, mailboxChangedTopic);
    producer = new EventProducer(harness.kafka, createLogger('test', 'warn'));
    await producer.connect();
    drafts = mailboxIdsByRole(await jmap('Mailbox/get', { ids: null }))['drafts']!;
    identityId = ((await jmap('Identity/get', { ids: null }))['list'] as Array<{ id: string }>)[0]!.id;
  });

  afterAll(async () => {
    await producer?.disconnect();
    await changed?.stop();
    await harness?.close();
  });

  it('announces an Identity/set with the new Identity state, from which Identity/changes answers', async () => {
    const before = await jmap('Identity/get', { ids: [] });

    const set = await jmap('Identity/set', { create: { work: { email: address, name: 'Erin at work' } } });
    const workId = (set['created'] as Record<string, { id: string }>)['work']!.id;

    const { event, pushed } = await pushedFor('Identity', set['newState'] as string);
    expect(event).toMatchObject({ cause: 'update', changed: {} });
    expect(pushed).toEqual({ Identity: set['newState'] });
    const changes = await jmap('Identity/changes', { sinceState: before['state'] });
    expect(changes).toMatchObject({ created: [workId], newState: set['newState'], hasMoreChanges: false });
    expect((await jmap('Identity/changes', { sinceState: pushed.Identity }))['created']).toEqual([]);
  });

  it('announces a submission when created, canceled, released and as its delivery status moves', async () => {
    const draft = (subject: string) =>
      createDraft(harness.sender(accountId, address), { draftsId: drafts, from: address, subject });
    const submit = async (emailId: string) => {
      const set = await jmap('EmailSubmission/set', { create: { s: { identityId, emailId } } });
      return { set, id: (set['created'] as Record<string, { id: string }>)['s']!.id };
    };
    const before = (await jmap('EmailSubmission/get', { ids: [] }))['state'] as string;

    // Created (pending): Email moves too (filed in Sent), both in one announcement.
    const undone = await submit(await draft('Undo me'));
    const created = await pushedFor('EmailSubmission', undone.set['newState'] as string);
    expect(created.pushed).toMatchObject({
      Email: expect.any(String),
      EmailSubmission: undone.set['newState'],
    });
    expect(await jmap('EmailSubmission/changes', { sinceState: before })).toMatchObject({
      created: [undone.id],
    });

    // Canceled (undo).
    const cancel = await jmap('EmailSubmission/set', { update: { [undone.id]: { undoStatus: 'canceled' } } });
    expect(cancel['updated']).toEqual({ [undone.id]: null });
    await pushedFor('EmailSubmission', cancel['newState'] as string);
    expect(
      await jmap('EmailSubmission/changes', { sinceState: created.pushed.EmailSubmission }),
    ).toMatchObject({
      updated: [undone.id],
      newState: cancel['newState'],
    });

    // Released by the outbox's sweep once due: pending becomes final.
    const sent = await submit(await draft('Send me'));
    await pushedFor('EmailSubmission', sent.set['newState'] as string);
    const released = await expectEvent(
      changed,
      (event) =>
        event.accountId === accountId &&
        Number(event.moreChanged?.['EmailSubmission'] ?? 0) > Number(sent.set['newState']),
      'the release announced',
      30_000,
    );
    const releasedState = released.moreChanged!['EmailSubmission']!;
    expect(await jmap('EmailSubmission/changes', { sinceState: sent.set['newState'] })).toMatchObject({
      updated: [sent.id],
      newState: releasedState,
    });

    // A delivery status from outbound.
    await producer.publish(mailDeliveryStatusTopic, [
      {
        eventId: randomUUID(),
        accountId,
        submissionId: sent.id,
        recipient: 'bob@elsewhere.example',
        delivered: 'yes',
        smtpReply: '250 2.0.0 Ok',
        attempts: 1,
        occurredAt: new Date().toISOString(),
      },
    ]);
    const delivered = await expectEvent(
      changed,
      (event) =>
        event.accountId === accountId &&
        Number(event.moreChanged?.['EmailSubmission'] ?? 0) > Number(releasedState),
      'the delivery status announced',
      30_000,
    );
    expect(Object.keys(pushedChanges(delivered))).toEqual(['EmailSubmission']);
    expect(await jmap('EmailSubmission/changes', { sinceState: releasedState })).toMatchObject({
      updated: [sent.id],
      newState: delivered.moreChanged!['EmailSubmission'],
    });
  });
});
