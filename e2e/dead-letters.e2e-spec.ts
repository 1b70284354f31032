import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, expectEventually, testKafka } from '@pushmail/testing';
import { deliver, kafkaBrokers, useSuitePlatform } from './support/e2e-platform.js';

const run = promisify(execFile);
const MAIL_ARRIVED = 'pushmail.mail.arrived.v1';

interface DeadLetter {
  id: string;
  sourceTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  consumerGroup: string;
  reason: string;
  valueBase64: string;
  headers: Record<string, string>;
}

/** The operator's tool, on the suite's installation (its `KAFKA_TOPIC_PREFIX`). */
async function cli(topicPrefix: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['tools/dead-letters/cli.mjs', ...args], {
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers, KAFKA_TOPIC_PREFIX: topicPrefix },
    timeout: 90_000,
  });
  return stdout;
}

async function deadLettersOf(topicPrefix: string, group: string, key: string): Promise<DeadLetter[]> {
  const lines = (await cli(topicPrefix, 'list', '--json', '--limit', '100000')).split('\n').filter(Boolean);
  return lines
    .map((line) => JSON.parse(line) as DeadLetter)
    .filter(
      (letter) => letter.consumerGroup === group && letter.key === key && letter.sourceTopic === MAIL_ARRIVED,
    );
}

describe('dead letters: a poison event is set aside, the partition moves on, and an operator replays it', () => {
  const group = `mailbox-dl-${randomBytes(5).toString('hex')}`;
  const workDir = mkdtempSync(join(tmpdir(), 'pushmail-dead-letters-'));
  // The suite's topics are its own (a topic prefix of its own): its group reads only its mail.
  const suite = useSuitePlatform('dead-letters', {
    serviceEnv: { mailbox: { MAILBOX_DELIVERY_GROUP: group } },
  });
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: suite.platform.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function subjectsOf(accountId: string): Promise<string[]> {
    const { rows } = await db.query<{ subject: string | null }>(
      'SELECT subject FROM mailbox.emails WHERE account_id = $1 ORDER BY subject',
      [accountId],
    );
    return rows.map((row) => row.subject ?? '');
  }

  it('dead-letters a malformed mail-arrived event with its reason, stores later mail, and stores the fixed-up replay', async () => {
    const address = `poison-${randomUUID().slice(0, 8)}@example.com`;
    const { accountId } = await suite.registry.createAccount(address, 'a long enough password');

    const raw = buildMessage({
      from: 'sender@elsewhere.example',
      to: address,
      subject: 'the fixed-up one',
      text: 'repaired',
    });
    const event = {
      eventId: randomUUID(),
      accountId,
      deliveryId: `replay-test-${randomUUID()}`,
      receivedAt: new Date().toISOString(),
      envelope: { mailFrom: 'sender@elsewhere.example', rcptTo: address },
      smtp: { clientAddress: '127.0.0.1', heloName: 'poison.example', sessionId: 'poison' },
      sizeBytes: Buffer.byteLength(raw),
      rawBase64: '%%% not base64 %%%',
    };
    const kafka = testKafka('dead-letters-e2e', kafkaBrokers, suite.platform.topicPrefix);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic: MAIL_ARRIVED,
        acks: -1,
        messages: [
          { key: accountId, value: JSON.stringify(event), headers: { 'pushmail-schema': MAIL_ARRIVED } },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    const [letter] = await expectEventually(
      async () => {
        const letters = await deadLettersOf(suite.platform.topicPrefix, group, accountId);
        expect(letters).toHaveLength(1);
        return letters;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(letter!.reason).toMatch(/rawBase64/);
    expect(JSON.parse(Buffer.from(letter!.valueBase64, 'base64').toString('utf8'))).toEqual(event);

    // Same key, same partition: a later mail is stored only if the consumer moved past the poison.
    await deliver(suite.platform, address, 'after the poison', { text: 'later' });
    await expectEventually(async () => expect(await subjectsOf(accountId)).toEqual(['after the poison']), {
      timeoutMs: 30_000,
    });

    // Replayed unchanged, it fails the same way, and the new dead letter says where it came from.
    expect(await cli(suite.platform.topicPrefix, 'replay', letter!.id)).toMatch(/1 replayed/);
    const again = await expectEventually(
      async () => {
        const letters = await deadLettersOf(suite.platform.topicPrefix, group, accountId);
        expect(letters).toHaveLength(2);
        return letters.find((item) => item.id !== letter!.id)!;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(again.headers['pushmail-replay-of']).toBe(`pushmail.dead-letter.v1/${letter!.id}`);
    expect(again.valueBase64).toBe(letter!.valueBase64);

    // The operator saves the original bytes, repairs them and replays the repaired event.
    const file = join(workDir, 'event.json');
    await cli(suite.platform.topicPrefix, 'show', letter!.id, '--out', file);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as typeof event;
    writeFileSync(file, JSON.stringify({ ...saved, rawBase64: Buffer.from(raw).toString('base64') }));
    expect(await cli(suite.platform.topicPrefix, 'replay', letter!.id, '--value-file', file)).toMatch(
      /fixed up/,
    );
    await expectEventually(
      async () => expect(await subjectsOf(accountId)).toEqual(['after the poison', 'the fixed-up one']),
      { timeoutMs: 30_000 },
    );
    expect(await deadLettersOf(suite.platform.topicPrefix, group, accountId)).toHaveLength(2);
  });
});
