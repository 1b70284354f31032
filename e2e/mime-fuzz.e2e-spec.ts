import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { deadLetterTopic, decodeEvent } from '@pushmail/contracts';
import fc from 'fast-check';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, SmtpSession, testKafka } from '@pushmail/testing';
import { useJmapSuite } from './jmap-client-kit.js';
import { kafkaBrokers } from './support/e2e-platform.js';
import { hostileMessage } from './support/mime-arbitraries.js';

/**
 * Sized to send, store and check in under a minute on a loaded 2-core machine (25 to 50 s for 200
 * measured there); more with MIME_FUZZ_RUNS.
 */
const RUNS = Number(process.env['MIME_FUZZ_RUNS'] ?? 150);
/** Room for a machine far busier than that: the run is bounded by what it sends, not by waiting. */
const RUN_TIMEOUT_MS = 180_000;
const SEED = Number(process.env['MIME_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONNECTIONS = 4;
const ARTIFACTS = `test-artifacts/mime-fuzz/${SEED}`;

interface Outcome {
  index: number;
  raw: Buffer;
  code: number;
  reply: string;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The sent message within what was stored: ingest may put trace fields (`Return-Path:`,
 * `Received:`, RFC 5321 §4.4) and its sender checks' results (`Authentication-Results:`,
 * `Received-SPF:`) in front of it, and nothing else. Returns the stored bytes without as
 * many leading trace fields as it takes to reach a message that was sent.
 */
function sentMessageIn(stored: Buffer, sent: ReadonlyMap<string, number>): number | undefined {
  let rest = stored;
  for (;;) {
    const index = sent.get(sha256(rest));
    if (index !== undefined) return index;
    const text = rest.toString('latin1');
    const field =
      /^(?:return-path|received|authentication-results|received-spf):[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/i.exec(
        text,
      );
    if (!field) return undefined;
    rest = rest.subarray(field[0].length);
  }
}

describe('MIME fuzzing: every message answered 250 is stored byte for byte and readable, none dead-lettered', () => {
  const jmap = useJmapSuite('mime-fuzz');
  let deadLetterReader: Consumer;
  const deadLetters: string[] = [];

  beforeAll(async () => {
    const kafka = testKafka('mime-fuzz', kafkaBrokers, jmap.platform.topicPrefix);
    // A group of its own, committed at the topic's current end: it reads what is dead-lettered from now on.
    const groupId = `mime-fuzz-${SEED}-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(deadLetterTopic.name);
      await admin.setOffsets({
        groupId,
        topic: deadLetterTopic.name,
        partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
      });
    } finally {
      await admin.disconnect();
    }
    deadLetterReader = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await deadLetterReader.connect();
    await deadLetterReader.subscribe({ topics: [deadLetterTopic.name] });
    await deadLetterReader.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent(deadLetterTopic, message.value);
        if (decoded.ok && decoded.event.key === jmap.account.accountId)
          deadLetters.push(decoded.event.reason);
      },
    });
  });

  afterAll(async () => {
    await deadLetterReader?.disconnect();
  });

  it(
    'stores every accepted message exactly as sent, and Email/get reads each',
    async () => {
      console.log(`MIME fuzz: ${RUNS} messages, seed ${SEED} (repeat with MIME_FUZZ_SEED=${SEED})`);
      const started = performance.now();
      const builders = fc.sample(hostileMessage, { seed: SEED, numRuns: RUNS });
      const messages = builders.map((build, index) => build(`${SEED}-${index}`));

      const outcomes: Outcome[] = [];
      const queue = messages.map((raw, index) => ({ raw, index }));
      const sender = async (): Promise<void> => {
        let session: SmtpSession | undefined;
        for (let next = queue.shift(); next; next = queue.shift()) {
          try {
            if (!session) {
              session = (await SmtpSession.open(jmap.platform.smtp.host, jmap.platform.smtp.port)).session;
              await session.command('EHLO fuzz.elsewhere.example');
            }
            const from = await session.command('MAIL FROM:<fuzz@elsewhere.example> BODY=8BITMIME');
            const to = from.code === 250 ? await session.command(`RCPT TO:<${jmap.account.address}>`) : from;
            const data = to.code === 250 ? await session.data(next.raw) : to;
            if (data.code !== 250) await session.command('RSET');
            outcomes.push({ index: next.index, raw: next.raw, code: data.code, reply: data.text });
          } catch (error) {
            // A session the server closed: the message was not answered 250, so nothing is owed.
            outcomes.push({ index: next.index, raw: next.raw, code: 0, reply: String(error) });
            session = undefined;
          }
        }
        await session?.quit();
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, () => sender()));

      const accepted = outcomes.filter((outcome) => outcome.code === 250);
      const refused = outcomes.filter((outcome) => outcome.code !== 250);
      const sentMillis = performance.now() - started;
      const byHash = new Map(accepted.map((outcome) => [sha256(outcome.raw), outcome.index]));
      const save = (outcome: { index: number; raw: Buffer }): string => {
        mkdirSync(ARTIFACTS, { recursive: true });
        const file = `${ARTIFACTS}/${outcome.index}.eml`;
        writeFileSync(file, outcome.raw);
        return file;
      };
      const refusals = new Map<string, number>();
      for (const outcome of refused) {
        const key = `${outcome.code} ${outcome.reply.slice(0, 60)}`;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
      }
      console.log(
        `MIME fuzz: ${accepted.length} answered 250, ${refused.length} refused ${JSON.stringify(Object.fromEntries(refusals))} in ${Math.round(sentMillis)} ms`,
      );
      // Refusals are allowed (they promise nothing), but a fuzzer whose messages are all refused tests nothing.
      expect(accepted.length).toBeGreaterThan(RUNS / 2);

      const ids = await expectEventually(
        async () => {
          // A dead letter fails the run at once, with its reason, below.
          if (deadLetters.length > 0) return [];
          const query = await jmap.call('Email/query', { limit: 500, calculateTotal: true });
          expect(query['total']).toBe(accepted.length);
          const all: string[] = [];
          for (let position = 0; position < accepted.length; position += 500)
            all.push(...((await jmap.call('Email/query', { position, limit: 500 }))['ids'] as string[]));
          return all;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      ).catch((error: unknown) => {
        throw new Error(`seed ${SEED}: ${error instanceof Error ? error.message : String(error)}`);
      });

      expect(deadLetters, `seed ${SEED}: dead letters`).toEqual([]);

      const matched = new Map<number, string>();
      const unmatched: string[] = [];
      for (let start = 0; start < ids.length; start += 100) {
        const list = (
          await jmap.call('Email/get', {
            ids: ids.slice(start, start + 100),
            properties: [
              'blobId',
              'size',
              'subject',
              'from',
              'to',
              'attachments',
              'preview',
              'textBody',
              'htmlBody',
            ],
          })
        )['list'] as Array<{ id: string; blobId: string; size: number }>;
        expect(list).toHaveLength(Math.min(100, ids.length - start));
        await Promise.all(
          list.map(async (email) => {
            const response = await jmap.device.jam.downloadBlob({
              accountId: jmap.account.accountId,
              blobId: email.blobId,
              mimeType: 'message/rfc822',
              fileName: 'message.eml',
            });
            const stored = Buffer.from(await response.arrayBuffer());
            expect(email.size).toBe(stored.length);
            const index = sentMessageIn(stored, byHash);
            if (index === undefined) unmatched.push(email.id);
            else matched.set(index, email.id);
          }),
        );
      }

      const missing = accepted.filter((outcome) => !matched.has(outcome.index));
      const report = `seed ${SEED}: ${missing.length} accepted messages not stored byte for byte (${missing
        .slice(0, 5)
        .map(save)
        .join(', ')}), ${unmatched.length} stored emails that match nothing sent`;
      expect(missing, report).toEqual([]);
      expect(unmatched, report).toEqual([]);
      expect(deadLetters, `seed ${SEED}: dead letters`).toEqual([]);
      console.log(
        `MIME fuzz: ${matched.size} stored byte for byte, in ${Math.round(performance.now() - started)} ms`,
      );
    },
    RUN_TIMEOUT_MS,
  );
});
