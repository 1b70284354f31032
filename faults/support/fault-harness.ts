import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  buildMessage,
  DeviceClient,
  expectEventually,
  freePort,
  RegistryClient,
  sendMail,
  startPlatform,
  type Invocation,
  type PlatformOptions,
  type RunningPlatform,
  requiredEnv,
  startGroupsAtEnd,
  testKafka,
  waitForRecipient,
} from '@pushmail/testing';
import { decodeEvent, mailboxChangedTopic } from '@pushmail/contracts';
import { warningsReport } from './service-warnings.js';

export const MAIL_ARRIVED = 'pushmail.mail.arrived.v1';

export { requiredEnv } from '@pushmail/testing';

/** The shared broker and the Postgres server a platform gets a fresh database on. */
export function sharedInfrastructure(): { kafkaBrokers: string; databaseUrl: string } {
  return { kafkaBrokers: requiredEnv('KAFKA_BROKERS'), databaseUrl: requiredEnv('DATABASE_URL') };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface FaultPlatform {
  platform: RunningPlatform;
  internalToken: string;
  group: string;
  kafkaBrokers: string;
  databaseUrl: string;
  logDirectory: string;
}

/**
 * The services on a fresh database, with topics and consumer groups of their own (a topic prefix of
 * the run's, unless `topicPrefix` is given): no other run on the broker reads or announces their mail.
 */
export async function startFaultPlatform(
  scenario: string,
  options: { kafkaBrokers: string; databaseUrl: string } & Partial<PlatformOptions>,
): Promise<FaultPlatform> {
  const group = `mailbox-fault-${scenario}`;
  const internalToken = randomBytes(32).toString('base64url');
  const logDirectory = `test-artifacts/logs/faults/${scenario}`;
  const serviceEnv = options.serviceEnv ?? {};
  const platform = await startPlatform({
    freshDatabase: true,
    logDirectory,
    internalToken,
    ...options,
    serviceEnv: {
      ...serviceEnv,
      mailbox: { MAILBOX_DELIVERY_GROUP: group, ...serviceEnv.mailbox },
      ingest: { INGEST_PUBLISH_TIMEOUT_MS: '3000', ...serviceEnv.ingest },
    },
  });
  return {
    platform,
    internalToken,
    group,
    kafkaBrokers: options.kafkaBrokers,
    databaseUrl: platform.databaseUrl,
    logDirectory,
  };
}

/**
 * The platform of the enclosing describe, on the shared broker and Postgres: started before its
 * tests and stopped after them. The function returned hands it to the tests.
 */
export function faultPlatformPerSuite(scenario: string): () => FaultPlatform {
  const infrastructure = sharedInfrastructure();
  let fault: FaultPlatform | undefined;

  beforeAll(async () => {
    fault = await startFaultPlatform(scenario, infrastructure);
  });

  afterAll(async () => {
    await fault?.platform.stop();
  });

  return () => {
    if (!fault) throw new Error(`the ${scenario} fault platform is not running`);
    return fault;
  };
}

/** Another mailbox process in the same consumer group, on a port of its own. */
export async function startExtraMailbox(
  fault: FaultPlatform,
): Promise<{ child: ChildProcess; stop: (signal?: NodeJS.Signals) => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/apps/mailbox/main.js'], {
    env: {
      ...process.env,
      KAFKA_BROKERS: fault.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: fault.platform.topicPrefix,
      DATABASE_URL: fault.databaseUrl,
      HTTP_HOST: '127.0.0.1',
      INTERNAL_TOKEN: fault.internalToken,
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
      MAILBOX_HTTP_PORT: String(port),
      MAILBOX_DELIVERY_GROUP: fault.group,
    },
    stdio: 'ignore',
  });
  await expectEventually(
    async () => {
      expect(child.exitCode).toBeNull();
      expect(
        (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) })).status,
      ).toBe(200);
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  return {
    child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Mailbox {
  address: string;
  accountId: string;
  password: string;
}

export async function createAccounts(platform: RunningPlatform, count: number): Promise<Mailbox[]> {
  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const accounts: Mailbox[] = [];
  for (let index = 0; index < count; index += 1) {
    const address = `fault-${index}-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomUUID()}`;
    const { accountId } = await registry.createAccount(address, password);
    accounts.push({ address, accountId, password });
  }
  // Mail starts once ingest accepts each one. Ingest learns accounts from a compacted topic; on a
  // loaded machine that can take longer than on a quiet one, and the wait only bounds a failure.
  for (const account of accounts) {
    await waitForRecipient(platform.smtp, account.address, 60_000);
  }
  return accounts;
}

/**
 * A device that stays connected like a phone does: when its socket drops it reconnects and
 * enables push again with the last pushState it saw, so the server can tell it what it missed.
 */
export class LiveDevice {
  client: DeviceClient | undefined;
  reconnects = 0;
  pushState: string | undefined;
  lastPushedEmailState: string | undefined;
  /** When each StateChange naming an Email state arrived (epoch ms), newest last, for the failure report. */
  readonly pushes: Array<{ at: number; email: string; pushState: string | undefined }> = [];
  initialEmailState = '';
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly account: Mailbox,
    private readonly token: string,
    private readonly websocketUrl: string,
  ) {}

  static async register(platform: RunningPlatform, account: Mailbox, name: string): Promise<LiveDevice> {
    const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
    const device = await registry.registerDevice(account.address, account.password, {
      deviceId: `${name}-${randomUUID().slice(0, 6)}`,
    });
    const live = new LiveDevice(name, account, device.token, platform.websocketUrl);
    live.client = await live.connect();
    const [[, got]] = (await live.client.request([
      ['Email/get', { accountId: account.accountId, ids: [] }, 'g'],
    ])) as [Invocation];
    live.initialEmailState = got['state'] as string;
    live.client.enablePush();
    await live.client.request([['Core/echo', {}, 'e']]);
    live.loop = live.stayConnected();
    return live;
  }

  private async connect(): Promise<DeviceClient> {
    const client = await expectEventually(() => DeviceClient.connect(this.websocketUrl, this.token), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    this.watch(client);
    return client;
  }

  private watch(client: DeviceClient): void {
    // StateChanges arrive in `received`; the last one tells what the device believes is current.
    const original = client.received.push.bind(client.received);
    client.received.push = (...items: Record<string, unknown>[]) => {
      for (const item of items) {
        if (item['@type'] !== 'StateChange') continue;
        const changed = item['changed'] as Record<string, Record<string, string>>;
        if (typeof item['pushState'] === 'string') this.pushState = item['pushState'];
        const email = changed[this.account.accountId]?.['Email'];
        if (email) {
          this.lastPushedEmailState = email;
          this.pushes.push({ at: Date.now(), email, pushState: this.pushState });
          if (this.pushes.length > 20) this.pushes.shift();
        }
      }
      return original(...items);
    };
  }

  private async stayConnected(): Promise<void> {
    while (!this.stopped) {
      const client = this.client;
      if (client) await client.waitForClose(24 * 60 * 60 * 1000).catch(() => undefined);
      if (this.stopped) return;
      this.reconnects += 1;
      this.client = undefined;
      try {
        const next = await this.connect();
        next.enablePush(this.pushState);
        this.client = next;
      } catch {
        await sleep(250);
      }
    }
  }

  async connected(): Promise<DeviceClient> {
    return expectEventually(
      () => {
        expect(this.client?.isOpen).toBe(true);
        return this.client!;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  /** Every subject the device learns of through Email/changes since it first connected. */
  async subjectsSinceStart(): Promise<{ subjects: string[]; state: string }> {
    const created: string[] = [];
    let since = this.initialEmailState;
    for (;;) {
      const client = await this.connected();
      const [[name, changes]] = (await client.request(
        [['Email/changes', { accountId: this.account.accountId, sinceState: since, maxChanges: 2000 }, 'c']],
        undefined,
        30_000,
      )) as [Invocation];
      if (name !== 'Email/changes') throw new Error(`Email/changes failed: ${JSON.stringify(changes)}`);
      created.push(...(changes['created'] as string[]));
      since = changes['newState'] as string;
      if (!changes['hasMoreChanges']) break;
    }
    const subjects: string[] = [];
    for (let start = 0; start < created.length; start += 400) {
      const client = await this.connected();
      const [[, got]] = (await client.request(
        [
          [
            'Email/get',
            {
              accountId: this.account.accountId,
              ids: created.slice(start, start + 400),
              properties: ['subject'],
            },
            'g',
          ],
        ],
        undefined,
        30_000,
      )) as [Invocation];
      for (const email of got['list'] as Array<{ subject: string | null }>)
        subjects.push(email.subject ?? '');
    }
    return { subjects, state: since };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.client?.close();
    await this.loop;
  }
}

interface SentMessage {
  marker: string;
  recipients: Mailbox[];
  outcome: 'pending' | 'answered' | 'refused' | 'abandoned';
  attempts: number;
  lastReply?: string;
}

/**
 * Mail flowing in like it does from the internet: a few sending loops, each message to one or
 * more accounts, every 4xx and every broken connection retried with the same bytes, as an MTA does.
 */
export class MailLoad {
  readonly messages: SentMessage[] = [];
  /** Every attempt's final SMTP reply code, and attempts that ended without a reply. */
  readonly replyCodes = new Map<number, number>();
  attemptsWithoutReply = 0;
  private running = true;
  private loops: Promise<void>[] = [];
  private sequence = 0;

  constructor(
    private readonly scenario: string,
    private readonly platform: RunningPlatform,
    private readonly accounts: Mailbox[],
    senders = 2,
  ) {
    for (let sender = 0; sender < senders; sender += 1) this.loops.push(this.senderLoop());
  }

  get answered(): number {
    return this.messages.filter((message) => message.outcome === 'answered').length;
  }

  /** Waits until `count` more messages than now have been answered 250. */
  async flowing(count: number, timeoutMs = 120_000): Promise<void> {
    const target = this.answered + count;
    await expectEventually(() => expect(this.answered).toBeGreaterThanOrEqual(target), {
      timeoutMs,
      intervalMs: 100,
    });
  }

  private async senderLoop(): Promise<void> {
    while (this.running) {
      const seq = (this.sequence += 1);
      const recipients = seq % 5 === 0 ? this.accounts : [this.accounts[seq % this.accounts.length]!];
      const marker = `${this.scenario}-${String(seq).padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
      const message: SentMessage = { marker, recipients, outcome: 'pending', attempts: 0 };
      this.messages.push(message);
      const raw = buildMessage({
        from: 'load@elsewhere.example',
        to: recipients[0]!.address,
        subject: marker,
        text: `body of ${marker}`,
      });
      // An MTA keeps a message it was not given a 250 or a 5xx for, and tries again later.
      const giveUpAt = () => !this.running && Date.now() > this.stopDeadline;
      while (message.outcome === 'pending') {
        if (giveUpAt()) {
          message.outcome = 'abandoned';
          break;
        }
        message.attempts += 1;
        try {
          const result = await withTimeout(
            sendMail(this.platform.smtp.host, this.platform.smtp.port, {
              from: 'load@elsewhere.example',
              to: recipients.map((recipient) => recipient.address),
              message: raw,
            }),
            30_000,
          );
          const final = result.data ?? result.rcpt.find((reply) => reply.code !== 250) ?? result.mailFrom;
          message.lastReply = `${final.code} ${final.text}`;
          this.replyCodes.set(final.code, (this.replyCodes.get(final.code) ?? 0) + 1);
          if (result.data?.code === 250 && result.rcpt.every((reply) => reply.code === 250))
            message.outcome = 'answered';
          else if (final.code >= 500 && this.running) message.outcome = 'refused';
        } catch (error) {
          message.lastReply = (error as Error).message;
          this.attemptsWithoutReply += 1;
        }
        if (message.outcome === 'pending') await sleep(200);
      }
    }
  }

  private stopDeadline = Number.POSITIVE_INFINITY;

  /** Stops sending new mail; messages not yet answered get up to `graceMs` more of retries. */
  async stop(graceMs = 60_000): Promise<void> {
    this.stopDeadline = Date.now() + graceMs;
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>(
        (_resolve, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A mailbox-changed event of the scenario's accounts as a reader of the topic saw it. */
export interface Announcement {
  accountId: string;
  state: string;
  email: string | undefined;
  /** Epoch ms: when the producer stamped it, and when this reader got it. */
  producedAt: number;
  readAt: number;
}

/**
 * Reads the mailbox-changed topic from now on, keeping the events of the given accounts: when a
 * device's push stops short, the report tells whether the final state was ever announced, and when.
 */
export async function watchAnnouncements(
  platform: RunningPlatform,
  accountIds: readonly string[],
): Promise<{ announcements: Announcement[]; stop(): Promise<void> }> {
  const kafka = testKafka('fault-announcements', platform.kafkaBrokers, platform.topicPrefix);
  const groupId = `fault-announcements-${randomUUID().slice(0, 12)}`;
  await startGroupsAtEnd(kafka, [{ groupId, topic: mailboxChangedTopic.name }]);
  const accounts = new Set(accountIds);
  const announcements: Announcement[] = [];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [mailboxChangedTopic.name], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = decodeEvent(mailboxChangedTopic, message.value);
      if (!decoded.ok || !accounts.has(decoded.event.accountId)) return;
      announcements.push({
        accountId: decoded.event.accountId,
        state: decoded.event.state,
        email: decoded.event.changed.Email,
        producedAt: Number(message.timestamp),
        readAt: Date.now(),
      });
    },
  });
  return { announcements, stop: () => consumer.disconnect() };
}

/**
 * What is known of a device's last push against the account's current state: the account's row
 * (committed and announced states), when the final state was announced, and the device's last pushes.
 */
async function pushReport(
  db: pg.Client,
  device: LiveDevice,
  current: string,
  announcements: readonly Announcement[] | undefined,
  checkStartedAt: number,
): Promise<string> {
  const { rows } = await db.query<{
    modseq: string;
    email_modseq: string;
    published_modseq: string;
    updated_at: Date;
  }>(
    'SELECT modseq, email_modseq, published_modseq, updated_at FROM mailbox.account_state WHERE account_id = $1',
    [device.account.accountId],
  );
  const row = rows[0];
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 23);
  const finalAnnounced = announcements?.find(
    (event) => event.accountId === device.account.accountId && event.email === current,
  );
  const lastPushes = device.pushes
    .slice(-3)
    .map((push) => `${push.email}@${at(push.at)}`)
    .join(' ');
  return [
    `${device.name}: Email state ${current}, last pushed ${device.lastPushedEmailState ?? 'none'}`,
    row
      ? `account modseq ${row.modseq} email ${row.email_modseq} announced ${row.published_modseq}, committed ${at(row.updated_at.getTime())}`
      : 'no account row',
    announcements === undefined
      ? 'topic not read'
      : finalAnnounced
        ? `final state produced ${at(finalAnnounced.producedAt)}, read ${at(finalAnnounced.readAt)}`
        : `final state never read from the topic (${announcements.filter((event) => event.accountId === device.account.accountId).length} events of the account read)`,
    `check began ${at(checkStartedAt)}, reconnects ${device.reconnects}, last pushes ${lastPushes || 'none'}`,
  ].join(' | ');
}

export interface Ledger {
  scenario: string;
  sent: number;
  answered250: number;
  deliveriesAnswered: number;
  refused: number;
  abandoned: number;
  retried: number;
  stored: number;
  duplicates: number;
  /** Final SMTP reply code of every attempt, and attempts that got no reply at all. */
  replies: Record<string, number>;
  devices: Array<{
    device: string;
    expected: number;
    seen: number;
    reconnects: number;
    pushCaughtUp: boolean;
    /** The device's last push against the account's committed and announced states. */
    push: string;
  }>;
}

/**
 * Waits for the mailbox to catch up, then checks the promise: every delivery answered 250 is stored
 * exactly once and every device sees it; nothing is stored that was not sent. Prints the ledger.
 */
export async function settleAndCheck(
  scenario: string,
  databaseUrl: string,
  load: MailLoad,
  devices: LiveDevice[],
  announcements?: readonly Announcement[],
): Promise<Ledger> {
  const answered = load.messages.filter((message) => message.outcome === 'answered');
  const expected = new Map<string, Set<string>>();
  for (const message of answered) {
    for (const recipient of message.recipients) {
      const set = expected.get(recipient.accountId) ?? new Set<string>();
      set.add(message.marker);
      expected.set(recipient.accountId, set);
    }
  }
  const deliveriesAnswered = answered.reduce((total, message) => total + message.recipients.length, 0);
  const sentMarkers = new Set(load.messages.map((message) => message.marker));
  const accountIds = [
    ...new Set(
      load.messages.flatMap((message) => message.recipients.map((recipient) => recipient.accountId)),
    ),
  ];
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let stored: Array<{ account_id: string; subject: string | null }> = [];
  let duplicates = 0;
  try {
    await expectEventually(
      async () => {
        const { rows } = await db.query<{ account_id: string; subject: string | null }>(
          'SELECT account_id, subject FROM mailbox.emails WHERE account_id = ANY($1::uuid[])',
          [accountIds],
        );
        stored = rows;
        const storedKeys = new Set(rows.map((row) => `${row.account_id}/${row.subject}`));
        const missing: string[] = [];
        for (const [accountId, markers] of expected)
          for (const marker of markers)
            if (!storedKeys.has(`${accountId}/${marker}`)) missing.push(`${marker} for ${accountId}`);
        // Every missing delivery is named, so a failure tells one lost message from a stalled partition.
        expect(missing, `${missing.length} deliveries answered 250 and not stored`).toEqual([]);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const byDelivery = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM mailbox.emails WHERE account_id = ANY($1::uuid[]) GROUP BY account_id, delivery_id HAVING count(*) > 1) d',
      [accountIds],
    );
    const bySubject = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM mailbox.emails WHERE account_id = ANY($1::uuid[]) GROUP BY account_id, subject HAVING count(*) > 1) d',
      [accountIds],
    );
    duplicates = Number(byDelivery.rows[0]!.n) + Number(bySubject.rows[0]!.n);
    // The run's topics are its own (a topic prefix of its own): its mailbox stores no other run's mail.
    const others = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM mailbox.account_state WHERE account_id NOT IN (SELECT id FROM registry.accounts)',
    );
    expect(Number(others.rows[0]!.n), 'accounts of other runs stored by this run').toBe(0);
  } finally {
    await db.end();
  }

  const deviceRows: Ledger['devices'] = [];
  const reportDb = new pg.Client({ connectionString: databaseUrl });
  await reportDb.connect();
  try {
    for (const device of devices) {
      const want = expected.get(device.account.accountId) ?? new Set<string>();
      const storedForAccount = stored.filter((row) => row.account_id === device.account.accountId).length;
      const { subjects, state } = await device.subjectsSinceStart();
      // Push is a hint, but it must not stop short: the last StateChange names the current state.
      let pushCaughtUp = false;
      const checkStartedAt = Date.now();
      await expectEventually(() => expect(device.lastPushedEmailState).toBe(state), {
        timeoutMs: 30_000,
        intervalMs: 100,
      })
        .then(() => (pushCaughtUp = true))
        .catch(() => undefined);
      deviceRows.push({
        device: `${device.name}`,
        expected: want.size,
        seen: subjects.length,
        reconnects: device.reconnects,
        pushCaughtUp,
        push: await pushReport(reportDb, device, state, announcements, checkStartedAt),
      });
      const seen = new Set(subjects);
      const missing = [...want].filter((marker) => !seen.has(marker));
      expect(missing, `${device.name} never saw`).toEqual([]);
      expect(subjects.length, `${device.name} saw mail twice or mail that was not stored`).toBe(
        storedForAccount,
      );
    }
  } finally {
    await reportDb.end();
  }

  const ledger: Ledger = {
    scenario,
    sent: load.messages.length,
    answered250: answered.length,
    deliveriesAnswered,
    refused: load.messages.filter((message) => message.outcome === 'refused').length,
    abandoned: load.messages.filter((message) => message.outcome === 'abandoned').length,
    retried: load.messages.filter((message) => message.attempts > 1).length,
    stored: stored.length,
    duplicates,
    replies: {
      ...Object.fromEntries([...load.replyCodes].sort((a, b) => a[0] - b[0])),
      ...(load.attemptsWithoutReply > 0 ? { 'no reply': load.attemptsWithoutReply } : {}),
    },
    devices: deviceRows,
  };
  printLedger(ledger);

  expect(
    ledger.refused,
    `refused: ${load.messages
      .filter((m) => m.outcome === 'refused')
      .map((m) => m.lastReply)
      .slice(0, 3)
      .join(' | ')}`,
  ).toBe(0);
  expect(duplicates).toBe(0);
  const unknown = stored.filter((row) => !sentMarkers.has(row.subject ?? ''));
  expect(unknown).toEqual([]);
  // Stored but never answered is allowed only for messages whose answer was lost (abandoned).
  expect(stored.length).toBeGreaterThanOrEqual(deliveriesAnswered);
  const abandonedDeliveries = load.messages
    .filter((message) => message.outcome === 'abandoned')
    .reduce((total, message) => total + message.recipients.length, 0);
  expect(stored.length).toBeLessThanOrEqual(deliveriesAnswered + abandonedDeliveries);
  for (const row of deviceRows)
    expect(row.pushCaughtUp, `${row.device}: the last push names the current state; ${row.push}`).toBe(true);
  return ledger;
}

export function printLedger(ledger: Ledger): void {
  const lines = [
    `[ledger] ${ledger.scenario}`,
    `  sent ${ledger.sent} | answered 250 ${ledger.answered250} (${ledger.deliveriesAnswered} deliveries) | retried ${ledger.retried} | refused ${ledger.refused} | abandoned ${ledger.abandoned}`,
    `  stored ${ledger.stored} | duplicates ${ledger.duplicates}`,
    `  replies ${Object.entries(ledger.replies)
      .map(([code, count]) => `${code}: ${count}`)
      .join(' | ')}`,
    ...ledger.devices.map(
      (device) =>
        `  device ${device.device}: seen ${device.seen}/${device.expected} | reconnects ${device.reconnects} | push caught up ${device.pushCaughtUp ? 'yes' : 'NO'}\n    push ${device.push}`,
    ),
  ];
  console.log(lines.join('\n'));
}

/** Three accounts, one of them with two devices, all connected with push on. */
export async function connectDevices(platform: RunningPlatform, accounts: Mailbox[]): Promise<LiveDevice[]> {
  const devices: LiveDevice[] = [];
  for (const [index, account] of accounts.entries())
    devices.push(await LiveDevice.register(platform, account, `a${index}-phone`));
  devices.push(await LiveDevice.register(platform, accounts[0]!, 'a0-tablet'));
  return devices;
}

/** A Postgres cluster of this test's own (the machine's shared one must not be restarted). */
export class OwnPostgres {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(bin = '/usr/lib/postgresql/15/bin'): Promise<OwnPostgres> {
    const dataDir = mkdtempSync(join(tmpdir(), 'pushmail-fault-pg-'));
    const port = await freePort();
    // initdb refuses to run as root; the cluster belongs to the postgres user when we are root.
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres:postgres', dataDir]);
    const own = new OwnPostgres(dataDir, port, bin);
    own.run('initdb', ['-D', `${dataDir}/data`, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await own.startServer();
    return own;
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const result =
      process.getuid?.() === 0
        ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
        : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  }

  async startServer(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      `${this.dataDir}/data`,
      '-l',
      `${this.dataDir}/server.log`,
      '-o',
      `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      '-w',
      'start',
    ]);
  }

  /** An immediate stop is a crash as far as clients see: connections cut, recovery on start. */
  stopServer(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.run('pg_ctl', ['-D', `${this.dataDir}/data`, '-m', mode, '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      this.stopServer('fast');
    } catch {
      // already stopped
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Mail flowing to three accounts with four devices connected; `disrupt` runs once mail is flowing,
 * more mail follows it, then the ledger is settled and checked.
 */
export async function runUnderLoad(
  scenario: string,
  fault: FaultPlatform,
  disrupt: (load: MailLoad) => Promise<void>,
  options: { before?: number; after?: number } = {},
): Promise<Ledger> {
  const { platform } = fault;
  const since = new Date();
  const accounts = await createAccounts(platform, 3);
  const devices = await connectDevices(platform, accounts);
  const watched = await watchAnnouncements(
    platform,
    accounts.map((account) => account.accountId),
  );
  try {
    const load = new MailLoad(scenario, platform, accounts);
    try {
      await load.flowing(options.before ?? 40);
      await disrupt(load);
      await load.flowing(options.after ?? 40);
    } finally {
      await load.stop();
    }
    return await settleAndCheck(scenario, fault.databaseUrl, load, devices, watched.announcements).catch(
      (error: unknown) => {
        // The services' own account of what went wrong, in the failure itself: CI keeps only the output.
        if (error instanceof Error)
          error.message += `\nwarnings and errors the services logged since the scenario began:\n${warningsReport(
            fault.logDirectory,
            [...platform.processes.keys()],
            since,
          )}`;
        throw error;
      },
    );
  } finally {
    await Promise.all(devices.map((device) => device.stop()));
    await watched.stop();
  }
}
