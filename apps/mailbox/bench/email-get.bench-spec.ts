// Email/get of a delivered message of about 4 KB (multipart/alternative: text and HTML) with the
// default properties and fetchTextBodyValues, as a phone asks for new mail right after a push:
// the median wall time and CPU time (this process: the method, the pg client) of one call, for
// first fetches (each message once) and repeated fetches (one message again and again). Prints one
// JSON line; run it on two revisions back to back and compare the ratios.
//   KAFKA_BROKERS=127.0.0.1:29092 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run --config apps/mailbox/bench/vitest.config.mjs
import { randomUUID } from 'node:crypto';
import { CORE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JmapService } from '../src/jmap/jmap.service.js';
import { mailArrivedEvent } from '../src/testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../src/testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../src/usecases/store-delivery/store-delivery.usecase.js';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 400);
const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 400);

function typicalMessage(index: number): string {
  const paragraph =
    'The quarterly figures are in: revenue is up, costs are flat, and the team would like to meet ' +
    'on Thursday to go through the plan for the next release. Please bring your notes. ';
  const text = paragraph.repeat(9);
  const html = `<html><body>${`<p>${paragraph}</p>`.repeat(9)}</body></html>`;
  return [
    'From: Ada Lovelace <ada@example.org>',
    'To: Bob <bob@example.com>',
    'Cc: Carol <carol@example.com>',
    `Subject: Quarterly figures, part ${index}`,
    `Message-ID: <bench-${index}-${randomUUID()}@example.org>`,
    'Date: Tue, 03 Mar 2026 10:14:59 +0100',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    text.replace(/(.{70})/g, '$1=\r\n'),
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    html.replace(/(.{70})/g, '$1=\r\n'),
    '--alt--',
    '',
  ].join('\r\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('Email/get of a delivered message', () => {
  let mailbox: MailboxTestApp;
  let jmap: JmapService;
  const accountId = randomUUID();
  let ids: string[] = [];
  let messageBytes = 0;

  beforeAll(async () => {
    mailbox = await startMailboxApp();
    jmap = mailbox.app.get(JmapService);
    const store = mailbox.app.get(StoreDeliveryUseCase);
    // The account exists once it is first used.
    await mailbox.jmapMethod(accountId, 'Mailbox/get', {});
    for (let start = 0; start < MESSAGES; start += 50) {
      const events = Array.from({ length: Math.min(50, MESSAGES - start) }, (_, offset) =>
        mailArrivedEvent(accountId, typicalMessage(start + offset)),
      );
      messageBytes = events[0]!.sizeBytes;
      await store.execute(events);
    }
    const query = await mailbox.jmapMethod(accountId, 'Email/query', { limit: MESSAGES });
    ids = query['ids'] as string[];
  });

  afterAll(async () => {
    await mailbox?.close();
  });

  async function timedGet(id: string): Promise<{ wall: number; cpu: number }> {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const response = await jmap.execute(accountId, {
      using: [CORE_CAPABILITY, MAIL_CAPABILITY],
      methodCalls: [['Email/get', { accountId, ids: [id], fetchTextBodyValues: true }, 'g']],
    });
    const wall = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const [name, answer] = response.methodResponses[0]!;
    if (name !== 'Email/get' || (answer['list'] as unknown[]).length !== 1) {
      throw new Error(`Email/get answered ${JSON.stringify(response.methodResponses[0])}`);
    }
    return { wall, cpu: (cpu.user + cpu.system) / 1000 };
  }

  it('measures first and repeated fetches', async () => {
    expect(ids).toHaveLength(MESSAGES);
    // Warm-up on a message the measured rounds do not fetch first.
    for (let index = 0; index < 50; index += 1) await timedGet(ids[0]!);
    const first = [];
    for (const id of ids.slice(1)) first.push(await timedGet(id));
    const repeated = [];
    for (let index = 0; index < REPEATS; index += 1) repeated.push(await timedGet(ids[1]!));
    const summary = (runs: Array<{ wall: number; cpu: number }>) => ({
      calls: runs.length,
      medianWallMs: Number(median(runs.map((run) => run.wall)).toFixed(3)),
      medianCpuMs: Number(median(runs.map((run) => run.cpu)).toFixed(3)),
    });
    console.log(
      JSON.stringify({
        messageBytes,
        firstFetch: summary(first),
        repeatedFetch: summary(repeated),
      }),
    );
  });
});
