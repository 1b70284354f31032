import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { decodeEvent, mailArrivedTopic, mailboxChangedTopic } from '@pushmail/contracts';
import { DeviceClient, UpgradeRefusedError } from '@pushmail/jmap';
import { buildMessage, CONFIG, createKafka, LOGGER, SmtpSession } from '@pushmail/platform';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { OperationsConfig } from '../config/operations-config.js';
import { RegistryClient } from '../registry/registry-client.js';
import type { SelfTestDto } from './dto/selftest.dto.js';

export type HopName = 'websocket' | 'smtp' | 'kafka' | 'store' | 'push' | 'fetch';

export interface Hop {
  name: HopName;
  ok: boolean;
  /** For `websocket` the handshake; for the others, ms after the message was handed to SMTP. */
  ms: number | null;
  detail: string;
}

export interface SelfTestReport {
  accountId: string;
  address: string;
  ok: boolean;
  /** The first hop that failed, and what that points at. */
  stoppedAt: HopName | null;
  diagnosis: string;
  hops: Hop[];
  startedAt: string;
  totalMs: number;
}

const WHERE: Record<HopName, string> = {
  websocket: 'the device cannot open its WebSocket: push-delivery is unreachable or refuses the token',
  smtp: 'ingest did not accept the message over SMTP',
  kafka: 'the mail-arrived event did not get through Kafka',
  store: 'the event is in Kafka but mailbox did not store it (is mailbox running and consuming?)',
  push: 'mailbox stored the mail but push-delivery sent no StateChange to the socket',
  fetch: 'the device was told but could not fetch the mail',
};

interface Watch {
  kafkaAt?: number;
  storeAt?: number;
  error?: string;
}

/** Where a partition of a watched topic stood before the mail was sent. */
type Position = { topic: string; partition: number; offset: string };

/**
 * How long finding where the topics stand may take. It is also the check that Kafka answers at
 * all: with the broker down, the client's own retries would otherwise hold the test.
 */
const KAFKA_PROBE_MS = 5000;

/** How far the SMTP conversation got: a refusal of the message itself is ingest's answer to Kafka. */
type SmtpStage = 'connect' | 'envelope' | 'message';
type SmtpResult =
  | { ok: true; detail: string }
  /** `code` is null when no reply came (refused connection, time ran out). */
  | { ok: false; stage: SmtpStage; code: number | null; detail: string };

/**
 * Sends the platform a mail as an outside server would and follows it as the device: SMTP 250,
 * mail-arrived in Kafka, mailbox's change event, the StateChange on the socket, Email/get.
 * Each hop gets its time, and the first that never came names where mail stops.
 */
@Injectable()
export class SelfTestService {
  private readonly log: Logger;

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(CONFIG) private readonly config: OperationsConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'selftest' });
  }

  async run(input: SelfTestDto): Promise<SelfTestReport> {
    const account = await this.registry.account(input.accountId);
    const started = Date.now();
    const deadline = started + input.timeoutMs;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    const marker = `pushmail-selftest-${randomUUID()}`;
    const hops: Hop[] = [];
    const watch: Watch = {};
    // Asked while the socket opens; awaited before the mail goes out, so no event is missed.
    const positions = this.kafkaPositions(Math.min(remaining(), KAFKA_PROBE_MS));
    let consumer: Promise<Consumer | undefined> | undefined;
    let socket: DeviceClient | undefined;
    try {
      const opened = Date.now();
      const connected = await openSocket(this.config.SELFTEST_JMAP_WS_URL, input.deviceToken, remaining());
      if (!connected.ok) {
        hops.push({ name: 'websocket', ok: false, ms: null, detail: connected.detail });
        return this.report(account, hops, started);
      }
      socket = connected.socket;
      const handshakeMs = Date.now() - opened;
      socket.enablePush();
      // An answered request proves the push enable was read before the mail goes out.
      const echoed = await socket
        .request([['Core/echo', { selftest: true }, 'e']], undefined, remaining())
        .then(
          () => true,
          () => false,
        );
      if (!echoed) {
        hops.push({
          name: 'websocket',
          ok: false,
          ms: null,
          detail: `connected, but Core/echo had no answer before the ${input.timeoutMs} ms ran out`,
        });
        return this.report(account, hops, started);
      }
      hops.push({ name: 'websocket', ok: true, ms: handshakeMs, detail: 'connected and push enabled' });

      const start = await positions;
      if ('error' in start) watch.error = start.error;
      else
        consumer = this.follow(start, input.accountId, marker, watch).catch((error: unknown) => {
          watch.error = messageOf(error);
          return undefined;
        });

      const sentAt = Date.now();
      const smtp = await this.sendMail(account.address, marker, remaining());
      const smtpMs = Date.now() - sentAt;
      if (!smtp.ok) {
        return this.smtpFailed(account, hops, started, smtp, watch.error);
      }
      hops.push({ name: 'smtp', ok: true, ms: smtpMs, detail: smtp.detail });

      const pushed = await socket
        // Leave time to ask mailbox afterwards, so a missing push is told apart from a missing mail.
        .firstMatching(
          (frame) => frame['@type'] === 'StateChange',
          Math.max(1, remaining() - Math.min(5000, input.timeoutMs / 4)),
        )
        .then(() => Date.now() - sentAt)
        .catch(() => null);
      // Whether mailbox has the message is asked of mailbox itself, through the device's own API:
      // an event on the topic proves little when another consumer could have written it.
      const fetchStarted = Date.now();
      // A StateChange may be for another change of the account: ask again until the time is up.
      let fetched = await this.fetchMarker(socket, input.accountId, marker, remaining());
      while (!fetched.found && fetched.answered && deadline - Date.now() > 300) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        fetched = await this.fetchMarker(socket, input.accountId, marker, remaining());
      }
      const fetchedAt = Date.now();
      // Kafka is read by a fresh group: give it what time is left to catch up before judging.
      await until(() => watch.kafkaAt !== undefined || watch.error !== undefined, remaining());
      hops.push(
        watch.kafkaAt !== undefined
          ? {
              name: 'kafka',
              ok: true,
              ms: Math.max(0, watch.kafkaAt - sentAt),
              detail: 'mail-arrived event seen',
            }
          : watch.error !== undefined && fetched.found
            ? {
                // mailbox only learns of mail from Kafka: the event went through, unseen from here.
                name: 'kafka',
                ok: true,
                ms: null,
                detail: `not observed, as operations could not read Kafka (${watch.error}); mailbox has the message, so the event went through`,
              }
            : {
                name: 'kafka',
                ok: false,
                ms: null,
                detail: watch.error
                  ? `could not read Kafka: ${watch.error}`
                  : 'no mail-arrived event for this message',
              },
      );
      // The change event is read by a group that may lag; the mail was stored no later than it was pushed.
      const storedMs = Math.min(
        watch.storeAt !== undefined ? Math.max(0, watch.storeAt - sentAt) : fetchedAt - sentAt,
        pushed ?? Number.POSITIVE_INFINITY,
      );
      hops.push(
        fetched.found
          ? { name: 'store', ok: true, ms: storedMs, detail: 'mailbox holds the message' }
          : {
              name: 'store',
              ok: false,
              ms: null,
              detail: `the message is not in the mailbox (${fetched.detail})`,
            },
      );
      hops.push(
        pushed !== null
          ? { name: 'push', ok: true, ms: pushed, detail: 'StateChange received on the socket' }
          : { name: 'push', ok: false, ms: null, detail: 'no StateChange on the socket' },
      );
      hops.push({
        name: 'fetch',
        ok: fetched.found,
        ms: fetched.found ? fetchedAt - sentAt : null,
        detail: fetched.found
          ? `Email/get returned the message in ${fetchedAt - fetchStarted} ms`
          : fetched.detail,
      });
      return this.report(account, hops, started);
    } finally {
      socket?.close(1000, 'self-test done');
      // Not awaited: a consumer still joining its group must not hold the answer back.
      void consumer?.then((joined) => joined?.disconnect()).catch(() => undefined);
    }
  }

  /**
   * SMTP did not take the mail. ingest answers the message itself with a temporary failure (or
   * not in time) when it cannot hand it to Kafka; when this service cannot reach Kafka either,
   * Kafka is the broken hop.
   */
  private smtpFailed(
    account: { accountId: string; address: string },
    hops: Hop[],
    started: number,
    smtp: Extract<SmtpResult, { ok: false }>,
    kafkaError: string | undefined,
  ): SelfTestReport {
    const messageNotTaken =
      smtp.stage === 'message' && (smtp.code === null || (smtp.code >= 400 && smtp.code < 500));
    if (!messageNotTaken) {
      hops.push({ name: 'smtp', ok: false, ms: null, detail: smtp.detail });
      return this.report(account, hops, started);
    }
    if (kafkaError === undefined) {
      hops.push({
        name: 'smtp',
        ok: false,
        ms: null,
        detail: `${smtp.detail}; ingest answers so when it cannot hand a message to Kafka within INGEST_PUBLISH_TIMEOUT_MS: check ingest's connection to Kafka and its log`,
      });
      return this.report(account, hops, started);
    }
    hops.push(
      { name: 'smtp', ok: false, ms: null, detail: smtp.detail },
      { name: 'kafka', ok: false, ms: null, detail: `unreachable from operations too: ${kafkaError}` },
    );
    return this.report(account, hops, started, {
      stoppedAt: 'kafka',
      diagnosis:
        `Kafka is unreachable: ingest did not take the message (${smtp.detail}), as when it cannot hand mail to Kafka, ` +
        `and operations cannot reach the brokers (${this.config.KAFKA_BROKERS.join(', ')}) either: ${kafkaError}`,
    });
  }

  private async fetchMarker(
    socket: DeviceClient,
    accountId: string,
    marker: string,
    timeoutMs: number,
  ): Promise<{ found: boolean; answered: boolean; detail: string }> {
    const answer = await socket
      .request(
        [
          [
            'Email/query',
            { accountId, sort: [{ property: 'receivedAt', isAscending: false }], limit: 10 },
            'q',
          ],
          [
            'Email/get',
            {
              accountId,
              '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
              properties: ['subject'],
            },
            'g',
          ],
        ],
        undefined,
        timeoutMs,
      )
      .catch(() => undefined);
    if (!answer) return { found: false, answered: false, detail: 'no answer to Email/get' };
    const text = JSON.stringify(answer);
    if (text.includes(marker)) return { found: true, answered: true, detail: 'found' };
    return {
      found: false,
      answered: true,
      detail: `Email/get answered without the message: ${text.slice(0, 200)}`,
    };
  }

  /** The first failed hop is where mail stopped, unless the evidence names the hop behind it. */
  private report(
    account: { accountId: string; address: string },
    hops: Hop[],
    started: number,
    cause?: { stoppedAt: HopName; diagnosis: string },
  ): SelfTestReport {
    const failed = hops.find((hop) => !hop.ok);
    return {
      accountId: account.accountId,
      address: account.address,
      ok: failed === undefined,
      stoppedAt: cause?.stoppedAt ?? failed?.name ?? null,
      diagnosis:
        cause?.diagnosis ?? (failed ? `${WHERE[failed.name]}: ${failed.detail}` : 'every hop answered'),
      hops,
      startedAt: new Date(started).toISOString(),
      totalMs: Date.now() - started,
    };
  }

  private async sendMail(address: string, marker: string, timeoutMs: number): Promise<SmtpResult> {
    const { SELFTEST_SMTP_HOST: host, SELFTEST_SMTP_PORT: port } = this.config;
    let session: SmtpSession | undefined;
    let stage: SmtpStage = 'connect';
    try {
      const opened = await SmtpSession.open(host, port, timeoutMs);
      session = opened.session;
      if (opened.greeting.code !== 220)
        return {
          ok: false,
          stage,
          code: opened.greeting.code,
          detail: `greeting ${opened.greeting.code} ${opened.greeting.message}`,
        };
      stage = 'envelope';
      for (const line of [
        'EHLO selftest.pushmail.invalid',
        'MAIL FROM:<selftest@pushmail.invalid>',
        `RCPT TO:<${address}>`,
      ]) {
        const reply = await session.command(line, timeoutMs);
        if (reply.code >= 400)
          return {
            ok: false,
            stage,
            code: reply.code,
            detail: `${line.split(':')[0]} answered ${reply.code} ${reply.message}`,
          };
      }
      const ready = await session.command('DATA', timeoutMs);
      if (ready.code !== 354)
        return { ok: false, stage, code: ready.code, detail: `DATA answered ${ready.code} ${ready.message}` };
      const message = buildMessage({
        from: 'pushmail self-test <selftest@pushmail.invalid>',
        to: `<${address}>`,
        subject: marker,
        messageId: `<${marker}@pushmail.invalid>`,
        text: 'Sent by the connectivity self-test; it may be deleted.',
      });
      stage = 'message';
      const accepted = await session.messageBody(message, timeoutMs);
      if (accepted.code !== 250)
        return {
          ok: false,
          stage,
          code: accepted.code,
          detail: `message answered ${accepted.code} ${accepted.message}`,
        };
      return { ok: true, detail: `250 from ${host}:${port}` };
    } catch (error) {
      return { ok: false, stage, code: null, detail: `${host}:${port}: ${messageOf(error)}` };
    } finally {
      session?.close();
    }
  }

  /**
   * Where both topics end before the mail is sent, read with a client of its own. Bounded, and
   * its failure is the answer to whether this service can reach Kafka at all.
   */
  private async kafkaPositions(timeoutMs: number): Promise<Position[] | { error: string }> {
    const admin = this.kafka().admin();
    let timer: NodeJS.Timeout | undefined;
    const read = (async () => {
      await admin.connect();
      const positions: Position[] = [];
      for (const topic of [mailArrivedTopic.name, mailboxChangedTopic.name]) {
        for (const entry of await admin.fetchTopicOffsets(topic)) {
          positions.push({ topic, partition: entry.partition, offset: entry.high });
        }
      }
      return positions;
    })();
    const late = new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ error: `Kafka did not answer within ${timeoutMs} ms` }), timeoutMs);
    });
    try {
      return await Promise.race([read.catch((error: unknown) => ({ error: messageOf(error) })), late]);
    } finally {
      clearTimeout(timer);
      // Also stops the client's retries when the time ran out first.
      void admin.disconnect().catch(() => undefined);
    }
  }

  /** Reads both topics from where they stood before the mail, with a group of its own. */
  private async follow(
    positions: Position[],
    accountId: string,
    marker: string,
    watch: Watch,
  ): Promise<Consumer> {
    const consumer = this.kafka().consumer({
      groupId: `operations-selftest-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [mailArrivedTopic.name, mailboxChangedTopic.name],
      fromBeginning: false,
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        if (topic === mailArrivedTopic.name) {
          const decoded = decodeEvent(mailArrivedTopic, message.value);
          if (
            decoded.ok &&
            decoded.event.accountId === accountId &&
            Buffer.from(decoded.event.rawBase64, 'base64').toString('utf8').includes(marker)
          )
            watch.kafkaAt ??= Date.now();
        } else {
          const decoded = decodeEvent(mailboxChangedTopic, message.value);
          if (
            decoded.ok &&
            decoded.event.accountId === accountId &&
            decoded.event.cause === 'delivery' &&
            watch.kafkaAt !== undefined
          )
            watch.storeAt ??= Date.now();
        }
      },
    });
    for (const position of positions) consumer.seek(position);
    return consumer;
  }

  private kafka(): Kafka {
    return createKafka({
      brokers: this.config.KAFKA_BROKERS,
      clientId: 'operations-selftest',
      logger: this.log,
      topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function openSocket(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<{ ok: true; socket: DeviceClient } | { ok: false; detail: string }> {
  try {
    return { ok: true, socket: await DeviceClient.connect(url, { token, handshakeTimeoutMs: timeoutMs }) };
  } catch (error) {
    if (error instanceof UpgradeRefusedError)
      return { ok: false, detail: `HTTP ${error.status} ${error.detail}`.trim() };
    return { ok: false, detail: `${url}: ${messageOf(error)}` };
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
}
