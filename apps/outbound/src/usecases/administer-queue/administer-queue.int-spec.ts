import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  mailArrivedTopic,
  type MailArrivedV1,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
} from '@pushmail/contracts';
import { expectEventually } from '@pushmail/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboundTestApp, OutboundTestBed, queueDirectly } from '../../testing/outbound-harness.js';
import type { SmtpReceiver } from '../../testing/smtp-receiver.js';
import { CANCELLED_REPLY } from '../deliver-queued/deliver-queued.usecase.js';
import { AdministerQueue } from './administer-queue.usecase.js';
import type { QueuedDelivery, QueuePage } from './dto/queue.dto.js';

const hosted = `queue-${randomBytes(4).toString('hex')}.test`;
const remote = `remote-${randomBytes(4).toString('hex')}.example`;
const sender = `sender@${hosted}`;
const senderAccount = randomUUID();
const adminToken = randomBytes(24).toString('hex');
const EVENTUALLY = { timeoutMs: 30_000 };
const HOUR_MS = 60 * 60 * 1000;

describe(AdministerQueue.name, () => {
  let bed: OutboundTestBed;
  let mx: SmtpReceiver;
  let outbound: OutboundTestApp;
  let db: pg.Client;
  let statuses: { events: MailDeliveryStatusV1[]; stop(): Promise<void> };
  let arrived: { events: MailArrivedV1[]; stop(): Promise<void> };
  let receiverOpen = false;

  const admin = async <T>(path: string, method = 'GET'): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${outbound.baseUrl}/admin/queue${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const waiting = async () => (await admin<QueuePage>('')).body.deliveries;

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    mx = await bed.smtpReceiver({ disabledCommands: ['STARTTLS'] });
    mx.judge = () =>
      receiverOpen ? { accept: true } : { accept: false, code: 451, message: '4.3.0 busy, try later' };
    statuses = await bed.collect(mailDeliveryStatusTopic);
    arrived = await bed.collect(mailArrivedTopic);
    outbound = await bed.startApp({
      MAIL_DOMAINS: hosted,
      MX_OVERRIDES: `${remote}=127.0.0.1:${mx.port}`,
      ADMIN_TOKEN: adminToken,
      // A deferred delivery waits an hour: only the administrator brings it back sooner.
      RETRY_BASE_MS: String(HOUR_MS),
    });
    db = await bed.sqlClient();
  });

  afterAll(() => bed?.close());

  it('lists the deferred deliveries, retries one now and bounces another on cancel', async () => {
    const submissionId = await queueDirectly(db, sender, senderAccount, [`one@${remote}`, `two@${remote}`]);
    const deferred = await expectEventually(async () => {
      const rows = (await waiting()).filter((row) => row.submissionId === submissionId);
      expect(rows.map((row) => [row.recipient, row.status, row.attempts])).toEqual([
        [`one@${remote}`, 'deferred', 1],
        [`two@${remote}`, 'deferred', 1],
      ]);
      return rows as [QueuedDelivery, QueuedDelivery];
    }, EVENTUALLY);
    expect(deferred[0]).toMatchObject({
      sender,
      lastReply: expect.stringMatching(/^451 /),
      inProgress: false,
    });
    receiverOpen = true;

    const retried = await admin<QueuedDelivery>(`/${deferred[0].deliveryId}/retry`, 'POST');
    const cancelled = await admin<QueuedDelivery>(`/${deferred[1].deliveryId}/cancel`, 'POST');

    expect(retried.status).toBe(200);
    expect(Date.parse(retried.body.nextAttemptAt)).toBeLessThanOrEqual(Date.now());
    expect(cancelled).toMatchObject({ status: 202, body: { cancelRequested: true } });
    await expectEventually(() => {
      expect(mx.received.map((message) => message.rcptTo)).toEqual([[`one@${remote}`]]);
      // The outbox publishes at least once: an outcome may come twice, never two different ones.
      const outcomes = new Set(
        statuses.events
          .filter((event) => event.submissionId === submissionId && event.delivered !== 'queued')
          .map((event) => `${event.recipient} ${event.delivered} ${event.smtpReply.slice(0, 3)}`),
      );
      expect([...outcomes].sort()).toEqual([`one@${remote} yes 250`, `two@${remote} no 550`]);
      expect(
        statuses.events.find((event) => event.recipient === `two@${remote}` && event.delivered === 'no'),
      ).toMatchObject({
        smtpReply: CANCELLED_REPLY,
      });
      const dsn = arrived.events.find(
        (event) => event.accountId === senderAccount && event.envelope.rcptTo === sender,
      );
      expect(Buffer.from(dsn!.rawBase64, 'base64').toString()).toContain(
        `Final-Recipient: rfc822; two@${remote}`,
      );
    }, EVENTUALLY);
    expect((await waiting()).filter((row) => row.submissionId === submissionId)).toEqual([]);
  });

  it('answers 409 for a delivery a replica is trying, 404 for one not waiting and 400 for a malformed id', async () => {
    const submissionId = await queueDirectly(db, sender, senderAccount, [`held@${remote}`], {
      dueInMs: HOUR_MS,
      heldForMs: HOUR_MS,
    });
    const [held] = (await waiting()).filter((row) => row.submissionId === submissionId);

    const busy = await admin<{ error: string }>(`/${held!.deliveryId}/retry`, 'POST');
    const missing = await admin<{ error: string }>('/999999999/cancel', 'POST');
    const malformed = await admin<{ error: string }>('/abc/retry', 'POST');

    expect(busy).toMatchObject({ status: 409, body: { error: 'delivery_in_progress' } });
    expect((await waiting()).find((row) => row.deliveryId === held!.deliveryId)).toMatchObject({
      inProgress: true,
    });
    expect(missing).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(malformed.status).toBe(400);
  });

  it('shows the queue with `npm run admin -- queue list`', async () => {
    await queueDirectly(db, sender, senderAccount, [`listed@${remote}`], { dueInMs: HOUR_MS });

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['tools/admin/cli.ts', 'queue', 'list', '--status', 'queued'],
      { env: { ...process.env, PUSHMAIL_ADMIN_URL: outbound.baseUrl, PUSHMAIL_ADMIN_TOKEN: adminToken } },
    );

    expect(stdout).toMatch(/^DELIVERY\s+STATUS\s+FROM\s+TO\s+ATTEMPTS\s+NEXT\s+LAST REPLY\n/);
    expect(stdout).toMatch(new RegExp(`^\\d+\\s+queued\\s+${sender}\\s+listed@${remote}\\s+0\\s+`, 'm'));
  });

  it('drops deliveries with `npm run admin -- queue drop`, and with `queue cancel`, its earlier name', async () => {
    const recipients = [`dropped@${remote}`, `cancelled@${remote}`];
    const submissionId = await queueDirectly(db, sender, senderAccount, recipients, { dueInMs: HOUR_MS });
    const rows = (await waiting()).filter((row) => row.submissionId === submissionId);
    const idOf = (recipient: string) => rows.find((row) => row.recipient === recipient)!.deliveryId;

    const outputs = await Promise.all(
      (['drop', 'cancel'] as const).map(async (command, index) => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['tools/admin/cli.ts', 'queue', command, String(idOf(recipients[index]!))],
          { env: { ...process.env, PUSHMAIL_ADMIN_URL: outbound.baseUrl, PUSHMAIL_ADMIN_TOKEN: adminToken } },
        );
        return stdout;
      }),
    );

    expect(outputs).toEqual(
      recipients.map((recipient) => expect.stringContaining(`to ${recipient}: bounces`)),
    );
    await expectEventually(() => {
      const bounced = statuses.events.filter(
        (event) => event.submissionId === submissionId && event.delivered === 'no',
      );
      expect(new Set(bounced.map((event) => `${event.recipient} ${event.smtpReply}`))).toEqual(
        new Set(recipients.map((recipient) => `${recipient} ${CANCELLED_REPLY}`)),
      );
    }, EVENTUALLY);
    const received = mx.received.flatMap((message) => message.rcptTo);
    expect(received.filter((recipient) => recipients.includes(recipient))).toEqual([]);
  });
});
