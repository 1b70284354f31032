import {
  CORE_CAPABILITY,
  type JmapRequest,
  LIMIT_ERROR,
  NOT_JSON_ERROR,
  NOT_REQUEST_ERROR,
} from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { JmapExecutor } from '../api/jmap-executor.service.js';
import {
  MailboxError,
  type AccountPushState,
  type MailboxApi,
  type MailboxResponse,
} from '../api/mailbox-client.js';
import { DeviceLastSeen } from '../auth/device-last-seen.js';
import type { PushConfig } from '../config/push-config.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import type { SessionService } from '../session/session.service.js';
import { FakeSocket, silentLogger } from '../testing/fake-socket.js';
import { ClientMessageHandler } from './client-message.handler.js';
import { CloseCode, DeviceConnection } from './device-connection.js';

const accountId = '7a6f3c1e-2b4d-4e8f-9a0b-1c2d3e4f5a6b';
const device = { accountId, deviceId: 'phone', tokenSha256: 'c'.repeat(64) };

class FakeMailbox implements MailboxApi {
  state: AccountPushState = {
    state: '42',
    changed: { Email: 'e42', Mailbox: 'm40', Thread: 't42', EmailDelivery: 'd42' },
  };
  down = false;
  readonly requests: Array<{ accountId: string; request: JmapRequest }> = [];
  /** When set, accountState waits for it, so a test can act while a catch-up is in flight. */
  stateGate: Promise<void> | undefined;

  async execute(accountId: string, request: JmapRequest): Promise<MailboxResponse> {
    if (this.down) throw new MailboxError('unavailable', 'connection refused');
    this.requests.push({ accountId, request });
    return {
      methodResponses: request.methodCalls.map(([name, args, id]) => [name, { echoed: args }, id]),
      sessionState: 'mailbox',
    };
  }

  async accountState(): Promise<AccountPushState> {
    await this.stateGate;
    if (this.down) throw new MailboxError('unavailable', 'connection refused');
    return this.state;
  }
}

class CountingMailbox extends FakeMailbox {
  stateReads = 0;
  override async accountState(): Promise<AccountPushState> {
    this.stateReads += 1;
    return super.accountState();
  }
}

function setUp(config?: Partial<PushConfig>) {
  const mailbox = new CountingMailbox();
  const metrics = new PushMetrics();
  const lastSeen = new DeviceLastSeen();
  const sessions = { stateOf: () => 'session-1' } as unknown as SessionService;
  const executor = new JmapExecutor(mailbox, sessions, metrics, silentLogger);
  const handler = new ClientMessageHandler(
    executor,
    mailbox,
    lastSeen,
    metrics,
    silentLogger,
    undefined,
    config as PushConfig | undefined,
  );
  const socket = new FakeSocket();
  const connection = new DeviceConnection(socket, device, { maxBufferedBytes: 1_000_000 });
  const send = (message: unknown) =>
    handler.handle(connection, typeof message === 'string' ? message : JSON.stringify(message));
  return { mailbox, lastSeen, socket, connection, send, handlerOf: () => handler };
}

describe(ClientMessageHandler.name, () => {
  it('answers push enables past the rate with a limit RequestError, without reading mailbox, and keeps push as it was', async () => {
    const { mailbox, socket, connection, send } = setUp({
      PUSH_ENABLE_RATE_PER_MINUTE: 1,
      PUSH_ENABLE_BURST: 2,
    });
    for (let sent = 0; sent < 50; sent += 1)
      await send({ '@type': 'WebSocketPushEnable', dataTypes: ['Email'], pushState: String(sent) });

    expect(mailbox.stateReads).toBe(2);
    const errors = socket.messages().filter((message) => message['@type'] === 'RequestError');
    expect(errors).toHaveLength(48);
    expect(errors[0]).toMatchObject({
      type: LIMIT_ERROR,
      status: 429,
      limit: 'pushEnable',
      retryAfterMs: expect.any(Number),
    });
    expect(errors[0]).not.toHaveProperty('requestId');
    expect(String(errors[0]?.['detail'])).toMatch(/at most 1 per minute \(bursts of 2\)/);
    expect(connection.push?.dataTypes).toEqual(new Set(['Email']));
    expect(connection.isOpen).toBe(true);
  });

  it('closes a socket without push with 1013 when its push enable is refused, so the client reconnects later', async () => {
    const { mailbox, connection, send, handlerOf } = setUp({
      PUSH_ENABLE_RATE_PER_MINUTE: 1,
      PUSH_ENABLE_BURST: 1,
    });
    await send({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '1' });
    expect(connection.push).not.toBeNull();

    // The same device on a new socket, as after a reconnect: the device's one token is spent.
    const socket = new FakeSocket();
    const reconnected = new DeviceConnection(socket, device, { maxBufferedBytes: 1_000_000 });
    await handlerOf().handle(
      reconnected,
      JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '1' }),
    );

    expect(socket.messages()[0]).toMatchObject({ '@type': 'RequestError', limit: 'pushEnable' });
    expect(socket.closed?.code).toBe(CloseCode.tryAgainLater);
    expect(socket.closed?.reason).toMatch(/^too many push enables from this device; reconnect in \d+ s$/);
    expect(mailbox.stateReads).toBe(1);
  });

  it('catches a device up at once when its pushState is stale', async () => {
    const { socket, connection, send } = setUp();
    await send({ '@type': 'WebSocketPushEnable', dataTypes: ['Email', 'Mailbox'], pushState: '40' });

    expect(socket.messages()).toEqual([
      { '@type': 'StateChange', changed: { [accountId]: { Email: 'e42', Mailbox: 'm40' } }, pushState: '42' },
    ]);
    expect(connection.push?.dataTypes).toEqual(new Set(['Email', 'Mailbox']));
  });

  it('sends nothing on enable when the device is already at the current push state', async () => {
    const { socket, connection, send } = setUp();
    await send({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '42' });
    expect(socket.sent).toEqual([]);
    expect(connection.push).not.toBeNull();
  });

  it('delivers a change arriving during the catch-up after the catch-up, not before', async () => {
    const { mailbox, socket, connection, send } = setUp();
    let open!: () => void;
    mailbox.stateGate = new Promise((resolve) => (open = resolve));
    const enabling = send({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '1' });
    await Promise.resolve();
    connection.deliverStateChange('{"@type":"StateChange","changed":{},"pushState":"43"}');
    expect(socket.sent).toEqual([]);

    open();
    await enabling;

    expect(socket.messages().map((message) => message['pushState'])).toEqual(['42', '43']);
  });

  it('closes with 1013 when it cannot learn the state to catch the device up from', async () => {
    const { mailbox, socket, send } = setUp();
    mailbox.down = true;
    await send({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '7' });
    expect(socket.closed?.code).toBe(CloseCode.tryAgainLater);
  });

  it('answers an unknown @type with a RequestError and keeps the socket open', async () => {
    const { socket, connection, send } = setUp();
    await send({ '@type': 'Bogus', id: 'r9' });
    await send('{not json');

    const [unknownType, notJson] = socket.messages();
    expect(unknownType).toMatchObject({
      '@type': 'RequestError',
      requestId: 'r9',
      type: NOT_REQUEST_ERROR,
    });
    expect(notJson).toMatchObject({ '@type': 'RequestError', type: NOT_JSON_ERROR });
    expect(socket.closed).toBeUndefined();
    expect(connection.isOpen).toBe(true);
  });

  it('forwards a Request for the authenticated account and answers a Response with its id', async () => {
    const { mailbox, socket, lastSeen, send } = setUp();
    await send({
      '@type': 'Request',
      id: 'r1',
      using: [CORE_CAPABILITY],
      methodCalls: [['Core/echo', { a: 1 }, 'c1']],
    });

    expect(mailbox.requests).toEqual([
      { accountId, request: { using: [CORE_CAPABILITY], methodCalls: [['Core/echo', { a: 1 }, 'c1']] } },
    ]);
    expect(socket.messages()).toEqual([
      {
        '@type': 'Response',
        requestId: 'r1',
        methodResponses: [['Core/echo', { echoed: { a: 1 } }, 'c1']],
        sessionState: 'session-1',
      },
    ]);
    expect(lastSeen.lastSeen(accountId, 'phone')).toBeInstanceOf(Date);
  });

  it('answers serverUnavailable for every call while mailbox is unreachable', async () => {
    const { mailbox, socket, send } = setUp();
    mailbox.down = true;
    await send({
      '@type': 'Request',
      id: 'r2',
      using: [CORE_CAPABILITY],
      methodCalls: [
        ['Core/echo', {}, 'a'],
        ['Core/echo', {}, 'b'],
      ],
    });
    const [response] = socket.messages();
    expect(response!['methodResponses']).toEqual([
      ['error', expect.objectContaining({ type: 'serverUnavailable' }), 'a'],
      ['error', expect.objectContaining({ type: 'serverUnavailable' }), 'b'],
    ]);
  });

  it('stops pushing after WebSocketPushDisable', async () => {
    const { connection, send } = setUp();
    await send({ '@type': 'WebSocketPushEnable', dataTypes: null });
    expect(connection.push).not.toBeNull();
    await send({ '@type': 'WebSocketPushDisable' });
    expect(connection.push).toBeNull();
  });
});
