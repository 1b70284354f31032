import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expectEventually, type JmapSender, jmapSenderOf, submitDraft } from '@pushmail/testing';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccounts,
  LiveDevice,
  requiredEnv,
  startFaultPlatform,
  type FaultPlatform,
} from './support/fault-harness.js';

/** The shared broker and the Postgres server the platform gets a fresh database on. */
const infrastructure = {
  kafkaBrokers: requiredEnv('KAFKA_BROKERS'),
  databaseUrl: requiredEnv('DATABASE_URL'),
};

const REMOTE = 'remote-mx.example';
const MESSAGES = 200;
const SENDERS = 4;
/** Deliveries outbound works at once: the most attempts a SIGKILL can cut short. */
const CONCURRENCY = 10;
/** The receiver takes this long to answer DATA, so that attempts are in flight when the kill comes. */
const DATA_REPLY_DELAY_MS = 150;

/** A remote MX host that counts, per subject, the copies it accepted (it answers 250 to each). */
async function startCountingMx(): Promise<{
  port: number;
  acknowledged: Map<string, number>;
  close(): Promise<void>;
}> {
  const acknowledged = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
        setTimeout(() => {
          acknowledged.set(subject, (acknowledged.get(subject) ?? 0) + 1);
          callback();
        }, DATA_REPLY_DELAY_MS);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    acknowledged,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('outbound killed with SIGKILL while 200 submissions are on their way to a remote MX host', () => {
  let fault: FaultPlatform;
  let mx: Awaited<ReturnType<typeof startCountingMx>>;
  const devices: LiveDevice[] = [];

  beforeAll(async () => {
    mx = await startCountingMx();
    fault = await startFaultPlatform('outbound-sigkill', {
      ...infrastructure,
      serviceEnv: {
        outbound: {
          MX_OVERRIDES: `${REMOTE}=127.0.0.1:${mx.port}`,
          QUEUE_POLL_MS: '200',
          DELIVERY_CONCURRENCY: String(CONCURRENCY),
          // A killed replica's deliveries come back this long after it died.
          DELIVERY_LEASE_MS: '5000',
          RETRY_BASE_MS: '1000',
          RETRY_MAX_MS: '2000',
        },
      },
    });
    const accounts = await createAccounts(fault.platform, SENDERS);
    for (const [index, account] of accounts.entries())
      devices.push(await LiveDevice.register(fault.platform, account, `sender-${index}`));
  }, 300_000);

  afterAll(async () => {
    for (const device of devices) await device.stop();
    await fault?.platform.stop();
    await mx?.close();
  });

  it('delivers every accepted submission at least once; duplicates only from attempts the kill cut short', async () => {
    const tag = randomBytes(4).toString('hex');
    const submitted: string[] = [];
    const senders = await Promise.all(
      devices.map(async (device) => jmapSenderOf(await device.connected(), device.account)),
    );
    const submitOne = async (sender: JmapSender, index: number): Promise<void> => {
      const subject = `fault ${tag} #${index}`;
      await submitDraft(sender, {
        to: [`rcpt-${index}@${REMOTE}`],
        subject,
        text: `Message ${index} of the outbound fault run.`,
      });
      submitted.push(subject);
    };

    // Each device submits its share one after another (push-delivery allows 4 requests in flight).
    const submitting = Promise.all(
      senders.map(async (sender, lane) => {
        for (let index = lane; index < MESSAGES; index += senders.length) await submitOne(sender, index);
      }),
    );
    const arrived = () => [...mx.acknowledged.keys()].filter((subject) => subject.includes(tag)).length;
    await expectEventually(
      async () => {
        if (arrived() < 20) throw new Error(`${arrived()} at the receiver`);
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    const atKill = arrived();
    await fault.platform.restart('outbound', 'SIGKILL');
    await submitting;
    expect(submitted).toHaveLength(MESSAGES);

    await expectEventually(
      async () => {
        const missing = submitted.filter((subject) => !mx.acknowledged.has(subject));
        if (missing.length > 0) throw new Error(`${missing.length} not at the receiver, e.g. ${missing[0]}`);
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const copies = submitted.reduce((total, subject) => total + (mx.acknowledged.get(subject) ?? 0), 0);
    const duplicates = copies - submitted.length;
    console.log(
      [
        '[ledger] outbound-sigkill',
        `  submitted ${submitted.length} | at the receiver when killed ${atKill} | delivered ${submitted.length} | lost 0`,
        `  duplicates the receiver accepted ${duplicates} (bound: ${CONCURRENCY}, the attempts in flight)`,
      ].join('\n'),
    );
    // A copy is sent twice only when the kill came after the end of its DATA and before outbound
    // recorded the 250 (here the receiver takes 150 ms to answer): at most the attempts in flight.
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
  }, 300_000);
});
