import { randomUUID } from 'node:crypto';
import {
  mailboxChangedTopic,
  type MailboxChangedV1,
  mailSubmittedV2Topic,
  type MailSubmittedV2,
} from '@pushmail/contracts';
import {
  CORE_CAPABILITY,
  type Invocation,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  VACATION_RESPONSE_CAPABILITY,
} from '@pushmail/jmap';
import { type CollectedEvents, collectEventsFromNow, expectEventually } from '@pushmail/testing';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VacationResponseMethods } from '../jmap/methods/vacation-response.methods.js';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';

const using = [CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY, VACATION_RESPONSE_CAPABILITY];

describe(VacationResponseMethods.name, () => {
  let harness: MailboxTestApp;
  let submittedEvents: CollectedEvents<MailSubmittedV2>;
  let changeEvents: CollectedEvents<MailboxChangedV1>;
  const accountId = randomUUID();

  const call = async (name: string, args: Record<string, unknown>, use = using) => {
    const response = await fetch(`${harness.baseUrl}/internal/jmap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.internalToken}` },
      body: JSON.stringify({
        accountId,
        request: { using: use, methodCalls: [[name, { accountId, ...args }, 'c']] },
      }),
    });
    expect(response.status).toBe(200);
    const [[answered, result]] = ((await response.json()) as { methodResponses: Invocation[] })
      .methodResponses as [Invocation];
    return { answered, result };
  };
  const one = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const { answered, result } = await call(name, args);
    expect(answered, JSON.stringify(result)).toBe(name);
    return result;
  };
  const deliver = async (from: string, extraHeaders: string[] = [], receivedAt = new Date()) => {
    const raw = `${extraHeaders.map((header) => `${header}\r\n`).join('')}${rawMessage({
      subject: 'Lunch?',
      from,
      to: 'bob@example.com',
      messageId: `${randomUUID()}@example.org`,
    })}`;
    await harness.app.get(StoreDeliveryUseCase).execute([
      mailArrivedEvent(accountId, raw, {
        envelope: { mailFrom: from, rcptTo: 'bob@example.com' },
        receivedAt: receivedAt.toISOString(),
      }),
    ]);
  };
  const repliesQueued = async (): Promise<Array<{ rcpt: string; raw: Buffer }>> => {
    const { rows } = await harness.db.query<{ event: MailSubmittedV2 }>(
      `SELECT event FROM mailbox.submission_outbox WHERE account_id = $1 ORDER BY created_at`,
      [accountId],
    );
    return rows.map(({ event }) => ({
      rcpt: event.envelope.rcptTo[0]!,
      raw: Buffer.from(event.rawBase64, 'base64'),
    }));
  };
  const published = (): MailSubmittedV2[] =>
    submittedEvents.events.filter((event) => event.accountId === accountId);

  beforeAll(async () => {
    harness = await startMailboxApp();
    submittedEvents = await collectEventsFromNow(harness.kafka, mailSubmittedV2Topic);
    changeEvents = await collectEventsFromNow(harness.kafka, mailboxChangedTopic);
    // The account comes with its first delivery (before any vacation).
    await deliver('first@example.org');
  });

  afterAll(async () => {
    await submittedEvents?.stop();
    await changeEvents?.stop();
    await harness?.close();
  });

  it('answers the singleton, disabled until set, and refuses to create or destroy one', async () => {
    const got = await one('VacationResponse/get', { ids: null });
    expect(got).toMatchObject({ state: '0', notFound: [] });
    const [singleton] = got['list'] as Array<Record<string, unknown>>;
    expect(singleton).toMatchObject({ id: 'singleton', isEnabled: false });
    for (const property of ['fromDate', 'toDate', 'subject', 'textBody', 'htmlBody']) {
      expect(singleton![property], property).toBeNull();
    }
    expect(await one('VacationResponse/get', { ids: ['other'], properties: ['isEnabled'] })).toMatchObject({
      list: [],
      notFound: ['other'],
    });
    const set = await one('VacationResponse/set', {
      create: { x: { isEnabled: true } },
      destroy: ['singleton'],
      update: { other: { isEnabled: true }, singleton: { isEnabled: 'yes', subject: 'a\r\nBcc: x' } },
    });
    expect(set).toMatchObject({
      notCreated: { x: { type: 'singleton' } },
      notDestroyed: { singleton: { type: 'singleton' } },
      notUpdated: {
        other: { type: 'notFound' },
        singleton: { type: 'invalidProperties', properties: ['isEnabled', 'subject'] },
      },
      newState: '0',
    });
    const { answered } = await call('VacationResponse/get', {}, [CORE_CAPABILITY, MAIL_CAPABILITY]);
    expect(answered).toBe('error');
  });

  it('replies once per sender while active, through the submission outbox, and never to lists, bulk or robots', async () => {
    const now = Date.now();
    const enabled = await one('VacationResponse/set', {
      ifInState: '0',
      update: {
        singleton: {
          isEnabled: true,
          fromDate: new Date(now - 3_600_000).toISOString(),
          toDate: new Date(now + 3_600_000).toISOString(),
          textBody: 'Away until Monday.',
        },
      },
    });
    expect(enabled).toMatchObject({ oldState: '0', updated: { singleton: null } });
    const newState = enabled['newState'] as string;
    expect(newState).not.toBe('0');
    expect(await one('VacationResponse/get', { ids: null })).toMatchObject({ state: newState });
    // The change is announced like any other: devices are pushed a StateChange naming the type.
    const announced = await expectEventually(
      () => {
        const event = changeEvents.events.find(
          (candidate) => candidate.accountId === accountId && candidate.alsoChanged?.VacationResponse,
        );
        expect(event).toBeDefined();
        return event!;
      },
      { timeoutMs: 20_000 },
    );
    expect(announced).toMatchObject({
      state: newState,
      changed: {},
      alsoChanged: { VacationResponse: newState },
      cause: 'update',
    });
    const stale = await call('VacationResponse/set', { ifInState: '0', update: { singleton: {} } });
    expect(stale.result).toMatchObject({ type: 'stateMismatch' });

    await deliver('ada@example.org');
    await deliver('ada@example.org');
    await deliver('Ada@Example.org');
    await deliver('news@example.net', ['Precedence: bulk']);
    await deliver('list@example.net', ['List-Id: <team.example.net>']);
    await deliver('robot@example.net', ['Auto-Submitted: auto-replied']);
    await deliver('mailer-daemon@example.net');
    await deliver('later@example.org', [], new Date(now + 2 * 3_600_000));

    const queued = await repliesQueued();
    expect(queued.map((reply) => reply.rcpt)).toEqual(['ada@example.org']);
    const reply = await PostalMime.parse(queued[0]!.raw);
    expect(reply.subject).toBe('Auto: Lunch?');
    expect(reply.text?.trim()).toBe('Away until Monday.');
    expect(reply.inReplyTo).toMatch(/@example\.org>$/);
    expect(reply.headers.find((header) => header.key === 'auto-submitted')?.value).toBe('auto-replied');
    expect(reply.from?.address).toBe('bob@example.com');

    // The outbox's sweep hands it to Kafka, where outbound takes it as any submission.
    const [event] = await expectEventually(
      () => {
        const events = published();
        expect(events).toHaveLength(1);
        return events;
      },
      { timeoutMs: 20_000 },
    );
    // With the null reverse-path (RFC 3834 §3.3): a bounce of the reply is never sent.
    expect(event!.envelope).toEqual({ mailFrom: '', rcptTo: ['ada@example.org'] });

    // Kept as sent mail is: in Sent, read, and listed as an EmailSubmission of its own.
    const [sent] = (await one('Mailbox/query', { filter: { role: 'sent' } }))['ids'] as string[];
    const [email] = (
      await one('Email/get', { ids: [event!.emailId], properties: ['mailboxIds', 'keywords', 'subject'] })
    )['list'] as Array<Record<string, unknown>>;
    expect(email).toEqual({
      id: event!.emailId,
      mailboxIds: { [sent!]: true },
      keywords: { $seen: true },
      subject: 'Auto: Lunch?',
    });
    const submissions = (await one('EmailSubmission/get', { ids: null }))['list'] as Array<
      Record<string, unknown>
    >;
    expect(submissions).toEqual([
      expect.objectContaining({
        id: event!.submissionId,
        emailId: event!.emailId,
        envelope: {
          mailFrom: { email: '', parameters: null },
          rcptTo: [{ email: 'ada@example.org', parameters: null }],
        },
        undoStatus: 'final',
        deliveryStatus: { 'ada@example.org': { smtpReply: '', delivered: 'queued', displayed: 'unknown' } },
      }),
    ]);
  });

  it('replies to no one once the VacationResponse is disabled again', async () => {
    const { state } = (await one('VacationResponse/get', { ids: null })) as { state: string };
    await one('VacationResponse/set', { ifInState: state, update: { singleton: { isEnabled: false } } });
    const submissionIds = async () =>
      ((await one('EmailSubmission/get', { ids: null }))['list'] as Array<{ id: string }>).map(
        (submission) => submission.id,
      );
    const before = await submissionIds();
    expect(before).toHaveLength(1);

    await deliver('grace@example.org');

    expect(await submissionIds()).toEqual(before);
    expect((await repliesQueued()).map((reply) => reply.rcpt)).not.toContain('grace@example.org');
  });
});
