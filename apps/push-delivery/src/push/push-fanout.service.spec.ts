import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventStream, type StreamWriter } from '../eventsource/event-stream.js';
import { EventSourceRegistry } from '../eventsource/eventsource-registry.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import { ConnectionRegistry } from '../socket/connection-registry.js';
import { DeviceConnection } from '../socket/device-connection.js';
import { FakeSocket } from '../testing/fake-socket.js';
import { PushFanout } from './push-fanout.service.js';

const accountId = '1e2d3c4b-5a69-4877-8695-a4b3c2d1e0f9';

function socketOf(registry: ConnectionRegistry, account: string, dataTypes: string[] | null | 'off') {
  const socket = new FakeSocket();
  const connection = new DeviceConnection(
    socket,
    { accountId: account, deviceId: 'd', tokenSha256: '0'.repeat(64) },
    { maxBufferedBytes: 1e6 },
  );
  if (dataTypes !== 'off') connection.enablePush(dataTypes);
  registry.add(connection);
  return socket;
}

describe(PushFanout.name, () => {
  it("sends each push-enabled socket of the account the change, filtered by the socket's data types", () => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const everything = socketOf(registry, accountId, null);
    const mailboxesOnly = socketOf(registry, accountId, ['Mailbox']);
    const threadsOnly = socketOf(registry, accountId, ['Thread']);
    const pushOff = socketOf(registry, accountId, 'off');
    const otherAccount = socketOf(registry, '00000000-0000-4000-8000-000000000000', null);

    const sent = new PushFanout(registry, new PushMetrics(), new EventSourceRegistry()).deliver({
      accountId,
      changed: { Email: 'e5', Mailbox: 'm5' },
      state: '5',
      receivedAt: performance.now(),
    });

    expect(sent).toBe(2);
    expect(everything.messages()).toEqual([
      { '@type': 'StateChange', changed: { [accountId]: { Email: 'e5', Mailbox: 'm5' } }, pushState: '5' },
    ]);
    expect(mailboxesOnly.messages()).toEqual([
      { '@type': 'StateChange', changed: { [accountId]: { Mailbox: 'm5' } }, pushState: '5' },
    ]);
    expect(threadsOnly.sent).toEqual([]);
    expect(pushOff.sent).toEqual([]);
    expect(otherAccount.sent).toEqual([]);
  });

  it('does not push the same or an older account state twice', () => {
    const registry = new ConnectionRegistry(new PushMetrics());
    const socket = socketOf(registry, accountId, null);
    const fanout = new PushFanout(registry, new PushMetrics(), new EventSourceRegistry());
    const change = (state: string) => ({
      accountId,
      changed: { Email: `e${state}` },
      state,
      receivedAt: performance.now(),
    });

    expect([
      fanout.deliver(change('7')),
      fanout.deliver(change('7')),
      fanout.deliver(change('6')),
      fanout.deliver(change('8')),
    ]).toEqual([1, 0, 0, 1]);
    expect(socket.messages().map((message) => message['pushState'])).toEqual(['7', '8']);
  });

  it('writes the change to the EventSource streams of the account too, once per push state', () => {
    const streams = new EventSourceRegistry();
    const written: string[] = [];
    const writer: StreamWriter = {
      write: (chunk) => written.push(chunk) > 0,
      end: () => undefined,
      writableLength: 0,
    };
    streams.add(
      new EventStream(accountId, 'phone', writer, {
        types: new Set(['Email']),
        closeAfterState: false,
        pingSeconds: 0,
      }),
    );
    const fanout = new PushFanout(new ConnectionRegistry(new PushMetrics()), new PushMetrics(), streams);
    const change = {
      accountId,
      changed: { Email: '7', Mailbox: '7' },
      state: '7',
      receivedAt: performance.now(),
    };

    expect(fanout.deliver(change)).toBe(1);
    expect(fanout.deliver(change)).toBe(0);
    expect(written).toEqual([
      `event: state\nid: 7\ndata: {"@type":"StateChange","changed":{"${accountId}":{"Email":"7"}}}\n\n`,
    ]);
  });

  it('observes the push latency from the acceptance of the mail, only for a change it pushed', async () => {
    const metrics = new PushMetrics(new Registry());
    const registry = new ConnectionRegistry(metrics);
    socketOf(registry, accountId, null);
    const fanout = new PushFanout(registry, metrics, new EventSourceRegistry());
    const acceptedAt = Date.now() - 150;

    const accepted = () => ({
      accountId,
      changed: { Email: '1' },
      state: '1',
      receivedAt: performance.now(),
      acceptedAt,
    });
    fanout.deliver(accepted());
    fanout.deliver(accepted());
    fanout.deliver({ accountId, changed: { Email: '2' }, state: '2', receivedAt: performance.now() });
    const nobodyListens = '00000000-0000-4000-8000-000000000000';
    fanout.deliver({
      accountId: nobodyListens,
      changed: { Email: '1' },
      state: '1',
      receivedAt: 0,
      acceptedAt,
    });

    const latency = await metrics.pushLatencySeconds.get();
    const value = (name: string) => latency.values.find((sample) => sample.metricName === name)?.value;
    expect(value('pushmail_push_latency_seconds_count')).toBe(1);
    expect(value('pushmail_push_latency_seconds_sum')).toBeGreaterThanOrEqual(0.15);
    expect(value('pushmail_push_latency_seconds_sum')).toBeLessThan(5);
  });
});
