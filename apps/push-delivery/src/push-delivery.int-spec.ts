import {
  CORE_CAPABILITY,
  MAIL_CAPABILITY,
  NOT_JSON_ERROR,
  SUBMISSION_CAPABILITY,
  WEBSOCKET_CAPABILITY,
} from '@pushmail/jmap';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { accountTopic, deviceCredentialsTopic, mailboxChangedTopic } from '@pushmail/contracts';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  credentialsSnapshot,
  DeviceClient,
  expectEventually,
  listenOnLoopback,
  scrapeMetrics,
} from '@pushmail/testing';
import { pushConfigSchema } from './config/push-config.js';
import { pushService } from './service.js';
import { answerJson, echoMethodCalls, FakeUpstream } from './testing/fake-upstream.js';
import { DeviceTrail, type TrailInput } from '@pushmail/edge';

const kafkaBrokers = process.env['KAFKA_BROKERS'];
if (!kafkaBrokers) throw new Error('KAFKA_BROKERS must point at the test broker');

const internalToken = randomBytes(24).toString('base64url');
const accountId = randomUUID();
const address = `push-${accountId.slice(0, 8)}@example.com`;
const token = `pmd_${randomBytes(32).toString('base64url')}`;
const tokenSha256 = createHash('sha256').update(token).digest('hex');
const deviceId = `phone-${accountId.slice(0, 6)}`;

/** What a refused upgrade answered. */
function refusedUpgrade(url: string, headers: Record<string, string>, protocol?: string) {
  return new Promise<{ status: number; wwwAuthenticate: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(url, protocol ? [protocol] : [], { headers });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, wwwAuthenticate: response.headers['www-authenticate'] });
      response.resume();
      socket.terminate();
    });
    socket.once('error', () => undefined);
  });
}

describe('push-delivery', () => {
  const logger = createLogger('push-delivery-test', 'warn');
  const producer = new EventProducer(
    createKafka({ brokers: kafkaBrokers.split(','), clientId: 'push-delivery-test', logger }),
    logger,
  );
  /** Requests the fake mailbox holds without answering, and how each one ended. */
  const heldCalls: Array<{ ended: 'open' | 'aborted' }> = [];
  const mailboxState = {
    state: '100',
    changed: { Email: 'e100', Mailbox: 'm100', Thread: 't100', EmailDelivery: 'd100' },
  };
  const mailboxLimits = { submission: { maxHoldSeconds: 3600 } };
  let upstream: FakeUpstream;
  let app: NestExpressApplication;
  let appClosed = false;
  let baseUrl: string;
  let wsUrl: string;
  let revision = 0;
  let state = 1000;

  const credentials = (access: 'allowed' | 'blocked') =>
    credentialsSnapshot(accountId, [{ deviceId, tokenSha256: [tokenSha256], access }], {
      revision: (revision += 1),
    });

  const mailboxChanged = (changed: Record<string, string>, eventState: string) => ({
    eventId: randomUUID(),
    accountId,
    state: eventState,
    changed,
    cause: 'delivery' as const,
    createdEmailIds: [],
    occurredAt: new Date().toISOString(),
  });

  const session = (bearer: string) =>
    fetch(`${baseUrl}/.well-known/jmap`, { headers: { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    // Token checks get device-registry's 401 (the fake's default): this suite's strangers are unknown there too.
    upstream = await FakeUpstream.start({
      internalToken,
      mailbox: (request, response) => {
        if (request.body.includes('"hold-this-call"')) {
          // An expensive call: never answered; it ends only when push-delivery hangs up.
          const held: { ended: 'open' | 'aborted' } = { ended: 'open' };
          heldCalls.push(held);
          response.once('close', () => {
            if (!response.writableFinished) held.ended = 'aborted';
          });
          return;
        }
        const answer =
          request.url === '/internal/jmap/limits'
            ? mailboxLimits
            : request.method === 'GET'
              ? mailboxState
              : echoMethodCalls(
                  (JSON.parse(request.body) as { request: { methodCalls: unknown[][] } }).request.methodCalls,
                );
        answerJson(response, 200, answer);
      },
    });

    const config = pushConfigSchema.parse({
      KAFKA_BROKERS: kafkaBrokers,
      INTERNAL_TOKEN: internalToken,
      MAILBOX_URL: upstream.url,
      REGISTRY_URL: upstream.url,
      PUBLIC_URL: 'http://push.example.test',
      WS_MAX_MESSAGE_BYTES: '65536',
      PUSH_MAX_CONNECTIONS_PER_DEVICE: '2',
    });
    let port: number;
    ({ app, port, baseUrl } = await listenOnLoopback(pushService, config, logger));
    wsUrl = `ws://127.0.0.1:${port}/jmap/ws`;

    await producer.connect();
    await producer.publish(accountTopic, [
      { accountId, revision: 1, address, status: 'active', updatedAt: new Date().toISOString() },
    ]);
    await producer.publish(deviceCredentialsTopic, [credentials('allowed')]);
    await expectEventually(async () => expect((await session(token)).status).toBe(200), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  afterAll(async () => {
    if (!appClosed) await app?.close();
    await producer.disconnect();
    await upstream?.close();
  });

  it('serves the session resource to a known device', async () => {
    const response = await session(token);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['username']).toBe(address);
    expect(body['apiUrl']).toBe('http://push.example.test/jmap/api');
    expect(body['primaryAccounts']).toMatchObject({ [MAIL_CAPABILITY]: accountId });
    expect(body['capabilities']).toMatchObject({
      [WEBSOCKET_CAPABILITY]: { url: 'ws://push.example.test/jmap/ws', supportsPush: true },
    });
    // The longest hold is the one mailbox enforces, as mailbox reports it.
    expect(body['accounts']).toMatchObject({
      [accountId]: { accountCapabilities: { [SUBMISSION_CAPABILITY]: { maxDelayedSend: 3600 } } },
    });
  });

  it('answers 401 with a Basic and a Bearer challenge to an unknown token, on the session resource and on the upgrade', async () => {
    const stranger = `pmd_${randomBytes(32).toString('base64url')}`;
    const both = 'Basic realm="pushmail", charset="UTF-8", Bearer realm="pushmail"';
    const response = await session(stranger);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(both);

    const upgrade = await refusedUpgrade(wsUrl, { authorization: `Bearer ${stranger}` }, 'jmap');
    expect(upgrade).toEqual({ status: 401, wwwAuthenticate: both });
  });

  it('refuses an upgrade without the jmap subprotocol with 400', async () => {
    expect((await refusedUpgrade(wsUrl, { authorization: `Bearer ${token}` })).status).toBe(400);
  });

  it('forwards JMAP over HTTP to mailbox for the authenticated account', async () => {
    const request = {
      using: [CORE_CAPABILITY],
      methodCalls: [['Core/echo', { hello: 'world' }, 'c1']],
    };
    const response = await fetch(`${baseUrl}/jmap/api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(body['methodResponses']).toEqual([['Core/echo', { hello: 'world' }, 'c1']]);
    expect(typeof body['sessionState']).toBe('string');
    const forwarded = upstream.requests.find((call) => call.url === '/internal/jmap');
    expect(forwarded?.authorization).toBe(`Bearer ${internalToken}`);
    // The account's address goes along, for Identity/get.
    expect(JSON.parse(forwarded!.body)).toEqual({ accountId, request, address });

    const notJson = await fetch(`${baseUrl}/jmap/api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await notJson.json()) as Record<string, unknown>)['type']).toBe(NOT_JSON_ERROR);
  });

  it('closes a socket with 1009 when a message is over WS_MAX_MESSAGE_BYTES', async () => {
    const device = await DeviceClient.connect(wsUrl, token);
    device.sendRaw('x'.repeat(65_537));
    expect((await device.waitForClose()).code).toBe(1009);
  });

  it("closes a device's oldest socket with 4029 when it opens more than PUSH_MAX_CONNECTIONS_PER_DEVICE", async () => {
    const sockets = [];
    try {
      for (let opened = 0; opened < 3; opened += 1) sockets.push(await DeviceClient.connect(wsUrl, token));
      expect(await sockets[0]!.waitForClose(5000)).toMatchObject({
        code: 4029,
        reason: 'replaced by a newer connection of this device: at most 2 per device',
      });
      expect(sockets.slice(1).map((socket) => socket.isOpen)).toEqual([true, true]);
      const [, answer] = await Promise.all([
        sockets[2]!.request([['Core/echo', { still: 'here' }, 'e']]),
        sockets[1]!.request([['Core/echo', {}, 'f']]),
      ]);
      expect(answer).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });

  it("ends a device's oldest EventSource stream with a close event when it opens more than the cap", async () => {
    const controllers: AbortController[] = [];
    const open = async () => {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await fetch(`${baseUrl}/jmap/eventsource?types=*&closeafter=no&ping=0`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      return response;
    };
    try {
      const oldest = await open();
      await open();
      await open();
      // The oldest stream's body ends, with the reason as its last event.
      const text = await oldest.text();
      expect(text).toContain('retry: 60000');
      expect(text).toMatch(
        /event: close\ndata: \{"type":"urn:ietf:params:jmap:error:limit","detail":"replaced by a newer connection of this device: at most 2 per device"\}/,
      );
    } finally {
      for (const controller of controllers) controller.abort();
    }
  });

  it('records who started each close: a client close frame, the server failing a too-big frame, a drop with no frame', async () => {
    const trail = app.get(DeviceTrail);
    const closes: Array<NonNullable<TrailInput['close']>> = [];
    const record = trail.record.bind(trail);
    trail.record = (recordedAccountId, input) => {
      if (input.kind === 'disconnected' && input.close) closes.push(input.close);
      record(recordedAccountId, input);
    };
    try {
      const polite = await DeviceClient.connect(wsUrl, token);
      polite.close(1000, 'bye');
      await polite.waitForClose();
      await expectEventually(() => expect(closes).toHaveLength(1));

      const oversized = await DeviceClient.connect(wsUrl, token);
      oversized.sendRaw('x'.repeat(65_537));
      await oversized.waitForClose();
      await expectEventually(() => expect(closes).toHaveLength(2));

      const dropped = await DeviceClient.connect(wsUrl, token);
      dropped.terminate();
      await expectEventually(() => expect(closes).toHaveLength(3));

      expect(closes[0]).toMatchObject({
        code: 1000,
        reason: 'bye',
        by: 'client',
        initiator: 'clientCloseFrame',
      });
      expect(closes[1]).toMatchObject({ code: 1009, by: 'server', initiator: 'server' });
      expect(closes[1]?.reason).toMatch(/^protocol error: /);
      expect(closes[2]).toMatchObject({ code: 1006, by: 'network', initiator: 'silentCut' });
      for (const close of closes) expect(close.idleMs).toBeLessThan(1000);
    } finally {
      trail.record = record;
    }
  });

  it('catches a device with a stale push state up as soon as it enables push', async () => {
    const device = await DeviceClient.connect(wsUrl, token);
    try {
      device.enablePush('99', ['Email']);
      const change = await device.nextStateChange(2000);
      expect(change).toMatchObject({
        changed: { [accountId]: { Email: mailboxState.changed.Email } },
        pushState: mailboxState.state,
      });
      expect(Object.keys(change.changed[accountId]!)).toEqual(['Email']);
    } finally {
      device.close();
    }
  });

  it('cancels the running calls of a socket that closes: mailbox sees them aborted, the in-flight count drops to 0, nothing is written to the socket', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // Every send on a server socket that is no longer open is recorded (the service runs in this process).
    const writesAfterClose: number[] = [];
    const originalSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      if (this.readyState !== WebSocket.OPEN) writesAfterClose.push(this.readyState);
      return originalSend.apply(this, args);
    } as WebSocket['send'];
    const inFlight = async () =>
      (await scrapeMetrics(baseUrl)).value('pushmail_push_jmap_requests_in_flight');
    try {
      heldCalls.length = 0;
      const device = await DeviceClient.connect(wsUrl, token);
      const pending = [1, 2, 3].map((index) =>
        device
          .request([['Core/echo', { marker: 'hold-this-call', index }, `c${index}`]], undefined, 60_000)
          .then(
            () => 'answered',
            () => 'socket closed',
          ),
      );
      await expectEventually(
        async () => {
          expect(heldCalls).toHaveLength(3);
          expect(await inFlight()).toBe(3);
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );

      device.close(1000, 'done waiting');
      expect(await Promise.all(pending)).toEqual(['socket closed', 'socket closed', 'socket closed']);
      await expectEventually(
        async () => {
          expect(heldCalls.map((call) => call.ended)).toEqual(['aborted', 'aborted', 'aborted']);
          expect(await inFlight()).toBe(0);
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      // The budget is back: the same device runs its full maxConcurrentRequests again at once.
      const again = await DeviceClient.connect(wsUrl, token);
      const answers = await Promise.all(
        [1, 2, 3, 4].map((index) => again.request([['Core/echo', { index }, `e${index}`]])),
      );
      expect(answers.map((answer) => answer[0]?.[0])).toEqual([
        'Core/echo',
        'Core/echo',
        'Core/echo',
        'Core/echo',
      ]);
      again.close();
      await again.waitForClose();
      expect(writesAfterClose).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      WebSocket.prototype.send = originalSend;
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('pushes a mailbox change to the socket, then disconnects it with 4003 once the device is blocked', async () => {
    const device = await DeviceClient.connect(wsUrl, token);
    const stateChanges = () => device.received.filter((message) => message['@type'] === 'StateChange');
    device.enablePush(undefined, null);
    device.sendRaw(JSON.stringify({ '@type': 'Bogus', id: 'x' }));
    const requestError = await device.waitFor((message) => message['requestId'] === 'x', 2000);
    expect(requestError['@type']).toBe('RequestError');
    expect(device.isOpen).toBe(true);

    // A new consumer group starts at the latest offset once it has joined; publish until one lands.
    await expectEventually(
      async () => {
        state += 1;
        await producer.publish(mailboxChangedTopic, [mailboxChanged({ Email: `e${state}` }, String(state))]);
        await expectEventually(() => expect(stateChanges().length).toBeGreaterThan(0), { timeoutMs: 500 });
      },
      { timeoutMs: 30_000, intervalMs: 0 },
    );
    expect(stateChanges()[0]).toMatchObject({
      changed: { [accountId]: { Email: expect.stringMatching(/^e\d+$/) } },
    });

    // Once consuming, a burst of one account goes out as one merged StateChange.
    const merged = device.nextStateChange(2000, (change) => change.pushState === String(state + 2));
    const before = stateChanges().length;
    await producer.publish(mailboxChangedTopic, [
      mailboxChanged({ Email: `e${state + 1}`, Thread: `t${state + 1}` }, String(state + 1)),
      mailboxChanged({ Email: `e${state + 2}`, Mailbox: `m${state + 2}` }, String(state + 2)),
    ]);
    expect(await merged).toMatchObject({
      changed: { [accountId]: { Email: `e${state + 2}`, Thread: `t${state + 1}`, Mailbox: `m${state + 2}` } },
    });
    expect(stateChanges().length).toBe(before + 1);

    // A VacationResponse change travels beside `changed` and is pushed like the others.
    const vacation = device.nextStateChange(2000, (change) => change.pushState === String(state + 3));
    await producer.publish(mailboxChangedTopic, [
      { ...mailboxChanged({}, String(state + 3)), alsoChanged: { VacationResponse: `v${state + 3}` } },
    ]);
    expect(await vacation).toMatchObject({
      changed: { [accountId]: { VacationResponse: `v${state + 3}` } },
    });

    // Identity and EmailSubmission changes travel in the open `moreChanged`; a type this reader does
    // not know there is read past, not pushed. An EventSource asking for EmailSubmission only gets it.
    const stream = new AbortController();
    const events = await fetch(`${baseUrl}/jmap/eventsource?types=EmailSubmission&closeafter=state&ping=0`, {
      headers: { authorization: `Bearer ${token}` },
      signal: stream.signal,
    });
    expect(events.status).toBe(200);
    try {
      const sending = device.nextStateChange(2000, (change) => change.pushState === String(state + 4));
      await producer.publish(mailboxChangedTopic, [
        {
          ...mailboxChanged({}, String(state + 4)),
          cause: 'update' as const,
          moreChanged: { Identity: `i${state + 4}`, EmailSubmission: `s${state + 4}`, CalendarEvent: 'c1' },
        },
      ]);
      const pushed = await sending;
      expect(pushed.changed[accountId]).toEqual({
        Identity: `i${state + 4}`,
        EmailSubmission: `s${state + 4}`,
      });
      const text = await events.text();
      expect(text).toContain(
        `data: ${JSON.stringify({ '@type': 'StateChange', changed: { [accountId]: { EmailSubmission: `s${state + 4}` } } })}`,
      );
    } finally {
      stream.abort();
    }

    const closed = device.waitForClose(1000);
    await producer.publish(deviceCredentialsTopic, [credentials('blocked')]);
    expect(await closed).toMatchObject({ code: 4003, reason: 'device blocked by administrator' });
    expect((await session(token)).status).toBe(403);
  });

  it('closes open sockets with 1012 when the service shuts down', async () => {
    await producer.publish(deviceCredentialsTopic, [credentials('allowed')]);
    await expectEventually(async () => expect((await session(token)).status).toBe(200), {
      timeoutMs: 10_000,
    });
    const device = await DeviceClient.connect(wsUrl, token);
    const closed = device.waitForClose(5000);

    appClosed = true;
    await app.close();

    expect(await closed).toMatchObject({ code: 1012, reason: 'service restart' });
  });
});
