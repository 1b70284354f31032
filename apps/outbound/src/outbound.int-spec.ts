import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  accountTopic,
  mailArrivedTopic,
  type MailArrivedV1,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
  type MailSubmittedV2,
  mailSubmittedV2Topic,
  PRODUCER_HEADER,
} from '@pushmail/contracts';
import type { EventProducer } from '@pushmail/platform';
import { type CollectedEvents, expectEvent, expectEventually, scrapeMetrics } from '@pushmail/testing';
import { dkimVerify } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliverQueuedUseCase } from './usecases/deliver-queued/deliver-queued.usecase.js';
import { type OutboundTestApp, OutboundTestBed, queueDirectly } from './testing/outbound-harness.js';
import type { SmtpReceiver } from './testing/smtp-receiver.js';

const tag = randomBytes(4).toString('hex');
const HOUR_MS = 60 * 60 * 1000;
const DAY_S = 24 * 60 * 60;
const hosted = `hosted-${tag}.example`;
const remote = `elsewhere-${tag}.example`;
const senderAccount = randomUUID();
const sender = `alice@${hosted}`;
const localAccount = randomUUID();
const local = `carol@${hosted}`;
/** Every submission this file makes: the queue also holds what other platforms on the shared broker submit. */
const ownSubmissions: string[] = [];

function submission(rcptTo: string[], subject = `s-${randomBytes(4).toString('hex')}`): MailSubmittedV2 {
  const raw = Buffer.from(
    `From: Alice <${sender}>\r\nTo: ${rcptTo.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@${hosted}>\r\n\r\nHello.\r\n`,
  );
  const submissionId = `S${randomBytes(8).toString('hex')}`;
  ownSubmissions.push(submissionId);
  return {
    eventId: randomUUID(),
    accountId: senderAccount,
    submissionId,
    emailId: `M${randomBytes(4).toString('hex')}`,
    submittedAt: new Date().toISOString(),
    envelope: { mailFrom: sender, rcptTo },
    sizeBytes: raw.length,
    rawBase64: raw.toString('base64'),
  };
}

describe(DeliverQueuedUseCase.name, () => {
  let bed: OutboundTestBed;
  let mx: SmtpReceiver;
  let outbound: OutboundTestApp;
  let producer: EventProducer;
  let arrived: CollectedEvents<MailArrivedV1>;
  let statuses: CollectedEvents<MailDeliveryStatusV1>;
  const attemptsOf = new Map<string, number>();
  /** How long the MX host takes to accept a `slow…` recipient, and how many it has been asked about. */
  const SLOW_RCPT_MS = 6000;
  let slowRecipientsSeen = 0;

  const config = (overrides: Record<string, string> = {}) => ({
    MAIL_DOMAINS: hosted,
    MX_OVERRIDES: `${remote}=127.0.0.1:${mx.port}`,
    RETRY_BASE_MS: '300',
    RETRY_MAX_MS: '600',
    QUEUE_MAX_AGE_MS: String(10 * 60 * 1000),
    ...overrides,
  });
  const statusOf = (submissionId: string, delivered: MailDeliveryStatusV1['delivered']) =>
    expectEvent(
      statuses,
      (event) => event.submissionId === submissionId && event.delivered === delivered,
      `${delivered} status for ${submissionId}`,
      30_000,
    );
  /** The DSN of a submission, on its way to the sender's Inbox. */
  const dsnOf = (submissionId: string) =>
    expectEvent(
      arrived,
      (event) => event.accountId === senderAccount && event.smtp.sessionId === submissionId,
      `DSN of ${submissionId}`,
    );
  /** The `no` status of a bounced submission, and the DSN that tells its sender, with its text. */
  const bounceOf = async ({ submissionId }: MailSubmittedV2) => {
    const status = await statusOf(submissionId, 'no');
    const dsn = await dsnOf(submissionId);
    return { status, dsn, text: Buffer.from(dsn.rawBase64, 'base64').toString() };
  };
  /** A submission of `subject` to `rcptTo`, published as mailbox publishes it. */
  const submit = async (rcptTo: string[], subject: string) => {
    const event = submission(rcptTo, subject);
    await producer.publish(mailSubmittedV2Topic, [event]);
    return event;
  };
  const receivedBy = (subject: string) =>
    mx.received.filter((message) => message.raw.toString().includes(`Subject: ${subject}\r\n`));

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    mx = await bed.smtpReceiver({ disabledCommands: ['STARTTLS'] });
    mx.judge = (recipient) => {
      const [localPart] = recipient.split('@') as [string];
      if (localPart.startsWith('refuse'))
        return { accept: false, code: 550, message: '5.1.1 no such mailbox' };
      if (localPart.startsWith('busy')) return { accept: false, code: 451, message: '4.3.0 busy, try later' };
      if (localPart.startsWith('slow')) {
        slowRecipientsSeen += 1;
        return { accept: true, delayMs: SLOW_RCPT_MS };
      }
      if (localPart.startsWith('twice')) {
        const seen = (attemptsOf.get(recipient) ?? 0) + 1;
        attemptsOf.set(recipient, seen);
        if (seen <= 2) return { accept: false, code: 451, message: '4.7.1 greylisted' };
      }
      return { accept: true };
    };
    producer = await bed.producer();
    await producer.publish(accountTopic, [
      {
        accountId: localAccount,
        revision: 1,
        address: local,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
      {
        accountId: senderAccount,
        revision: 1,
        address: sender,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
    ]);
    arrived = await bed.collect(mailArrivedTopic);
    statuses = await bed.collect(mailDeliveryStatusTopic);
    outbound = await bed.startApp(config());
  });

  afterAll(() => bed?.close());

  it('delivers to a remote domain through its MX host and reports the 250', async () => {
    const event = await submit([`bob@${remote}`], `remote-${tag}`);
    const status = await statusOf(event.submissionId, 'yes');
    expect(status.smtpReply).toMatch(/^250 /);
    const [message] = receivedBy(`remote-${tag}`);
    expect(message).toMatchObject({ mailFrom: sender, rcptTo: [`bob@${remote}`] });
    expect(message!.raw.toString()).toContain('Hello.');
  });

  it('sends the next message for an MX host over the connection the last one used', async () => {
    for (const subject of [`first-${tag}`, `second-${tag}`]) {
      const event = await submit([`carol@${remote}`], subject);
      await statusOf(event.submissionId, 'yes');
    }
    const [first] = receivedBy(`first-${tag}`);
    const [second] = receivedBy(`second-${tag}`);
    expect(first!.connectionId).toBe(second!.connectionId);
    // Each message still leaves signed with its own DKIM signature.
    expect(second!.raw.toString()).toMatch(/^DKIM-Signature: /m);
  });

  it('sends mail queued while a slow receiver holds an attempt without waiting for it to answer', async () => {
    const slow = await submit([`slow@${remote}`], `slow-${tag}`);
    // The slow attempt is in flight: its receiver is sitting on the RCPT.
    await expectEventually(() => expect(slowRecipientsSeen).toBe(1), { timeoutMs: 15_000 });
    const startedAt = Date.now();
    const quick = await Promise.all(
      [1, 2, 3].map((n) => submit([`quick${n}@${remote}`], `quick${n}-${tag}`)),
    );
    for (const event of quick) await statusOf(event.submissionId, 'yes');
    // All three were sent and acknowledged while the slow receiver still held its recipient.
    expect(receivedBy(`slow-${tag}`)).toHaveLength(0);
    expect(Date.now() - startedAt).toBeLessThan(SLOW_RCPT_MS);
    await statusOf(slow.submissionId, 'yes');
    expect(receivedBy(`slow-${tag}`)).toHaveLength(1);
  });

  it('hears only what its own replicas report, not another platform reading the same submission', async () => {
    const event = submission([`shared@${remote}`], `shared-${tag}`);
    // What another platform's outbound on the shared broker would publish once it read this submission.
    await producer.publish(
      mailDeliveryStatusTopic,
      [
        {
          eventId: randomUUID(),
          accountId: senderAccount,
          submissionId: event.submissionId,
          recipient: `shared@${remote}`,
          delivered: 'no',
          smtpReply: '550 5.1.2 no MX for the domain',
          attempts: 1,
          occurredAt: new Date().toISOString(),
        },
      ],
      { [PRODUCER_HEADER]: 'outbound.elsewhere.example' },
    );
    await producer.publish(mailSubmittedV2Topic, [event]);
    const status = await statusOf(event.submissionId, 'yes');
    expect(status.smtpReply).toMatch(/^250 /);
    expect(statuses.events.filter((candidate) => candidate.submissionId === event.submissionId)).toEqual([
      status,
    ]);
  });

  it('signs mail from a hosted domain with its DKIM key, which an independent verifier accepts', async () => {
    const event = await submit([`dkim@${remote}`], `dkim-${tag}`);
    await statusOf(event.submissionId, 'yes');
    const [message] = receivedBy(`dkim-${tag}`);
    expect(message!.raw.toString()).toMatch(/^DKIM-Signature: /m);
    const record = (await (await fetch(`${outbound.baseUrl}/dkim/${hosted}`)).json()) as {
      name: string;
      value: string;
    };
    expect(record.name).toMatch(new RegExp(`^pm\\d{6}\\._domainkey\\.${hosted.replaceAll('.', '\\.')}$`));
    const verdict = await dkimVerify(message!.raw, {
      resolver: async (name, type) => {
        if (type === 'TXT' && name === record.name) return [[record.value]];
        throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
      },
    });
    expect(verdict.results.map((result) => [result.signingDomain, result.status.result])).toEqual([
      [hosted, 'pass'],
    ]);
    expect((await fetch(`${outbound.baseUrl}/dkim/not-hosted.example`)).status).toBe(404);
  });

  it('retries a 4xx with backoff and delivers once when the receiver accepts', async () => {
    const event = await submit([`twice@${remote}`], `twice-${tag}`);
    const deferred = await statusOf(event.submissionId, 'queued');
    expect(deferred.smtpReply).toMatch(/^451 /);
    const delivered = await statusOf(event.submissionId, 'yes');
    expect(delivered.attempts).toBe(3);
    expect(receivedBy(`twice-${tag}`)).toHaveLength(1);
  });

  it('bounces a 5xx: a DSN in the sender Inbox and deliveryStatus no', async () => {
    const { status, dsn, text } = await bounceOf(await submit([`refuse@${remote}`], `refused-${tag}`));
    expect(status.smtpReply).toMatch(/^550 /);
    expect(dsn.envelope).toEqual({ mailFrom: '', rcptTo: sender });
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(text).toContain(`Final-Recipient: rfc822; refuse@${remote}`);
    expect(text).toContain('Status: 5.1.1');
    expect(receivedBy(`refused-${tag}`)).toHaveLength(0);
  });

  it('hands a hosted recipient to mail-arrived, never to SMTP, with the id ingest would give it', async () => {
    const event = await submit([local, `nobody@${hosted}`], `local-${tag}`);
    await statusOf(event.submissionId, 'yes');
    const copy = await expectEvent(arrived, (candidate) => candidate.accountId === localAccount, 'hand-over');
    const raw = Buffer.from(event.rawBase64, 'base64');
    expect(copy.deliveryId).toBe(
      createHash('sha256').update(localAccount).update('\n').update(raw).digest('hex'),
    );
    expect(copy.envelope).toEqual({ mailFrom: sender, rcptTo: local });
    // An address of a hosted domain that no account has bounces at once.
    const unknown = await statusOf(event.submissionId, 'no');
    expect(unknown.recipient).toBe(`nobody@${hosted}`);
    expect(unknown.smtpReply).toMatch(/^550 5\.1\.1/);
    expect(receivedBy(`local-${tag}`)).toHaveLength(0);
  });

  it('keeps deferred mail across a restart and delivers it once after', async () => {
    const event = await submit([`busy-restart@${remote}`], `restart-${tag}`);
    await statusOf(event.submissionId, 'queued');
    await outbound.close();
    // The receiver recovers while the service is down.
    const judge = mx.judge;
    mx.judge = (recipient) => (recipient.startsWith('busy-restart') ? { accept: true } : judge(recipient));
    outbound = await bed.startApp(config({ QUEUE_MAX_AGE_MS: '4000' }));
    await statusOf(event.submissionId, 'yes');
    expect(receivedBy(`restart-${tag}`)).toHaveLength(1);
  });

  it('bounces mail still deferred when its time in the queue is up', async () => {
    const { status, text } = await bounceOf(await submit([`busy@${remote}`], `expired-${tag}`));
    expect(status.smtpReply).toMatch(/^451 /);
    expect(text).toContain('Status: 4.4.7');
  });

  it('sends a v2 submission with the null reverse-path as MAIL FROM:<>, signed for its From domain', async () => {
    const event = { ...submission([`vacation@${remote}`], `null-${tag}`) };
    event.envelope = { ...event.envelope, mailFrom: '' };
    await producer.publish(mailSubmittedV2Topic, [event]);
    await statusOf(event.submissionId, 'yes');
    const [message] = receivedBy(`null-${tag}`);
    expect(message).toMatchObject({ mailFrom: '', rcptTo: [`vacation@${remote}`] });
    const domain = hosted.replaceAll('.', '\\.');
    expect(message!.raw.toString()).toMatch(
      new RegExp(`^DKIM-Signature:(?:.|\r\n[ \t])*\\bd=${domain};`, 'm'),
    );
  });

  it('bounces a refused null-sender message without a DSN: deliveryStatus no, nothing in any Inbox', async () => {
    const refused = { ...submission([`refuse-auto@${remote}`], `null-refused-${tag}`) };
    refused.envelope = { ...refused.envelope, mailFrom: '' };
    // Published after it: its DSN is the sign that the first one's would have been written by now.
    const witness = submission([`refuse-witness@${remote}`], `witness-${tag}`);
    await producer.publish(mailSubmittedV2Topic, [refused]);
    const status = await statusOf(refused.submissionId, 'no');
    expect(status.smtpReply).toMatch(/^550 /);
    await producer.publish(mailSubmittedV2Topic, [witness]);
    await statusOf(witness.submissionId, 'no');
    await dsnOf(witness.submissionId);
    expect(arrived.events.filter((event) => event.smtp.sessionId === refused.submissionId)).toEqual([]);
  });

  it('shows the queue on /metrics', async () => {
    // This replica also queues what other platforms on the shared broker submit, and their mail may
    // wait here (deferred) at any moment: the gauges are checked against deliveries of this file's own.
    const db = await bed.sqlClient();
    const waiting = await db.query(
      `SELECT submission_id, recipient, status FROM outbound.deliveries
        WHERE submission_id = ANY($1::text[]) AND status IN ('queued', 'deferred')`,
      [ownSubmissions],
    );
    expect(waiting.rows).toEqual([]);
    // Deferred a day ago: the database is this file's, so every other row in it is younger.
    const held = await queueDirectly(db, sender, senderAccount, [`gauge@${remote}`], { dueInMs: HOUR_MS });
    await db.query(
      `UPDATE outbound.deliveries SET status = 'deferred', attempts = 1, created_at = now() - interval '1 day'
        WHERE submission_id = $1`,
      [held],
    );
    const waitingMetrics = await scrapeMetrics(outbound.baseUrl);
    expect(
      waitingMetrics.value('pushmail_outbound_queue_size', { status: 'deferred' }),
    ).toBeGreaterThanOrEqual(1);
    const oldest = waitingMetrics.value('pushmail_outbound_oldest_age_seconds');
    expect(oldest).toBeGreaterThanOrEqual(DAY_S);
    expect(oldest).toBeLessThan(DAY_S + HOUR_MS / 1000);

    // Retried now and delivered, it leaves the queue, and the gauge with it.
    await db.query(`UPDATE outbound.deliveries SET next_attempt_at = now() WHERE submission_id = $1`, [held]);
    await expectEventually(
      async () => {
        const { rows } = await db.query(`SELECT status FROM outbound.deliveries WHERE submission_id = $1`, [
          held,
        ]);
        expect(rows).toEqual([{ status: 'delivered' }]);
      },
      { timeoutMs: 30_000 },
    );
    expect(receivedBy(held)).toHaveLength(1);
    const metrics = await scrapeMetrics(outbound.baseUrl);
    expect(metrics.value('pushmail_outbound_oldest_age_seconds')).toBeLessThan(DAY_S);
    expect(metrics.value('pushmail_outbound_delivered_total', { route: 'smtp' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('pushmail_outbound_bounced_total')).toBeGreaterThanOrEqual(1);
    expect(metrics.value('pushmail_outbound_deferred_total')).toBeGreaterThanOrEqual(1);
  });
});

describe('SmtpSender through a smarthost', () => {
  let bed: OutboundTestBed;
  let relay: SmtpReceiver;
  let producer: EventProducer;
  let statuses: CollectedEvents<MailDeliveryStatusV1>;

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    relay = await bed.smtpReceiver({
      authOptional: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === 'pushmail' && auth.password === 'relay-secret')
          return callback(null, { user: 'pushmail' });
        return callback(new Error('535 5.7.8 bad credentials'));
      },
    });
    producer = await bed.producer();
    statuses = await bed.collect(mailDeliveryStatusTopic);
    await bed.startApp({
      MAIL_DOMAINS: hosted,
      RELAY_URL: `smtp://pushmail:relay-secret@127.0.0.1:${relay.port}`,
      RELAY_TLS_VERIFY: 'false',
    });
  });

  afterAll(() => bed?.close());

  it('sends every remote recipient through the smarthost, authenticated over STARTTLS', async () => {
    const event = submission([`dave@far-${tag}.example`], `relay-${tag}`);
    await producer.publish(mailSubmittedV2Topic, [event]);
    await expectEventually(
      () => {
        if (
          !statuses.events.some(
            (status) => status.submissionId === event.submissionId && status.delivered === 'yes',
          )
        )
          throw new Error('not delivered yet');
      },
      { timeoutMs: 30_000 },
    );
    // This replica also relays what other platforms on the shared broker submit: count this message only.
    const mine = relay.received.filter((message) =>
      message.raw.toString().includes(`Subject: relay-${tag}\r\n`),
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      rcptTo: [`dave@far-${tag}.example`],
      secure: true,
      user: 'pushmail',
    });
  });
});

describe('DeliveryWorker woken by new work', () => {
  let bed: OutboundTestBed;
  let mx: SmtpReceiver;
  let outbound: OutboundTestApp;
  let producer: EventProducer;
  const adminToken = randomBytes(24).toString('hex');
  let receiverOpen = false;
  const subjectAt = (subject: string) =>
    mx.received.filter((message) => message.raw.toString().includes(`Subject: ${subject}\r\n`));

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    mx = await bed.smtpReceiver({ disabledCommands: ['STARTTLS'] });
    mx.judge = () =>
      receiverOpen ? { accept: true } : { accept: false, code: 451, message: '4.3.0 busy, try later' };
    producer = await bed.producer();
    outbound = await bed.startApp({
      MAIL_DOMAINS: hosted,
      MX_OVERRIDES: `${remote}=127.0.0.1:${mx.port}`,
      ADMIN_TOKEN: adminToken,
      // The first poll is a minute away and a deferred delivery waits an hour: only a wake-up is fast.
      QUEUE_POLL_MS: '60000',
      RETRY_BASE_MS: String(HOUR_MS),
    });
  });

  afterAll(() => bed?.close());

  it('sends a submission as soon as it is queued, and a deferred one as soon as the administrator retries it', async () => {
    const event = submission([`wake@${remote}`], `wake-${tag}`);
    const publishedAt = Date.now();
    await producer.publish(mailSubmittedV2Topic, [event]);
    const db = await bed.sqlClient();
    const deliveryId = await expectEventually(
      async () => {
        const { rows } = await db.query<{ id: string; status: string }>(
          `SELECT id, status FROM outbound.deliveries WHERE submission_id = $1`,
          [event.submissionId],
        );
        expect(rows.map((row) => row.status)).toEqual(['deferred']);
        return rows[0]!.id;
      },
      { timeoutMs: 15_000 },
    );
    // Tried (and refused with a 451) well before the first poll.
    expect(Date.now() - publishedAt).toBeLessThan(15_000);
    expect(subjectAt(`wake-${tag}`)).toHaveLength(0);

    receiverOpen = true;
    const retried = await fetch(`${outbound.baseUrl}/admin/queue/${deliveryId}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
    });
    expect(retried.status).toBe(200);
    await expectEventually(() => expect(subjectAt(`wake-${tag}`)).toHaveLength(1), { timeoutMs: 15_000 });
  });
});
