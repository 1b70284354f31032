import { randomUUID } from 'node:crypto';
import { mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import { type CollectedEvents, collectEventsFromNow, expectEventually } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { SubmissionOutbox } from './submission-outbox.js';

/** More than two sweeps' reads: before, the sweep took five rows per 2 s interval. */
const BACKLOG = 120;

describe(SubmissionOutbox.name, () => {
  let harness: MailboxTestApp;
  let submitted: CollectedEvents<MailSubmittedV2>;

  beforeAll(async () => {
    harness = await startMailboxApp();
    submitted = await collectEventsFromNow(harness.kafka, mailSubmittedV2Topic);
  });

  afterAll(async () => {
    await submitted?.stop();
    await harness?.close();
  });

  it('drains a backlog the request path left (Kafka down at the commit) in one sweep, in order', async () => {
    const accounts = [randomUUID(), randomUUID()];
    const events = Array.from({ length: BACKLOG }, (_, index): MailSubmittedV2 => ({
      eventId: randomUUID(),
      accountId: accounts[index % accounts.length]!,
      submissionId: `Sbacklog${index}-${randomUUID().slice(0, 8)}`,
      emailId: 'M1',
      submittedAt: new Date().toISOString(),
      envelope: { mailFrom: 'alice@example.com', rcptTo: ['bob@elsewhere.example'] },
      sizeBytes: 5,
      rawBase64: Buffer.from('hello').toString('base64'),
    }));
    // Written long enough ago for the sweep, oldest first, as if every publish after the commit failed.
    await harness.db.query(
      `INSERT INTO mailbox.submission_outbox (submission_id, account_id, event, created_at)
       SELECT event->>'submissionId', (event->>'accountId')::uuid, event,
              now() - interval '1 minute' + make_interval(secs => position / 1000.0)
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS entry (event, position)`,
      [JSON.stringify(events)],
    );
    const mine = new Set(events.map((event) => event.eventId));
    const started = Date.now();
    await expectEventually(
      async () => {
        const left = await harness.db.query(
          `SELECT count(*)::int AS n FROM mailbox.submission_outbox WHERE submission_id LIKE 'Sbacklog%'`,
        );
        const arrived = submitted.events.filter((event) => mine.has(event.eventId)).length;
        if (left.rows[0].n > 0 || arrived < BACKLOG)
          throw new Error(`${left.rows[0].n} left, ${arrived} arrived`);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // One sweep interval (2 s) and the broker's time, not BACKLOG / 5 intervals.
    expect(Date.now() - started).toBeLessThan(8_000);
    // Each account's submissions in the order they were written (a repeat may follow; none is missing).
    for (const accountId of accounts) {
      const written = events.filter((event) => event.accountId === accountId).map((event) => event.eventId);
      const read = submitted.events
        .filter((event) => event.accountId === accountId && mine.has(event.eventId))
        .map((event) => event.eventId);
      expect([...new Set(read)]).toEqual(written);
    }
  });
});
