import { describe, expect, it } from 'vitest';
import { FakeSocket } from '../testing/fake-socket.js';
import { CloseCode, DeviceConnection, PushSubscription } from './device-connection.js';

const device = { accountId: 'acc-1', deviceId: 'phone', tokenSha256: 'a'.repeat(64) };

describe(DeviceConnection.name, () => {
  it('closes a socket with 1008 once its unsent bytes pass the bound, instead of buffering more', () => {
    const socket = new FakeSocket();
    const connection = new DeviceConnection(socket, device, { maxBufferedBytes: 100 });
    socket.bufferedAmount = 101;

    expect(connection.send('{"x":1}')).toBe(false);
    expect(socket.sent).toEqual([]);
    expect(socket.closed?.code).toBe(CloseCode.policyViolation);
  });

  it('holds live StateChanges behind a pending catch-up and sends them after it, in order', () => {
    const socket = new FakeSocket();
    const connection = new DeviceConnection(socket, device, { maxBufferedBytes: 1000 });
    connection.enablePush(null);
    connection.beginCatchUp();

    expect(connection.deliverStateChange('live-1')).toBe(true);
    expect(socket.sent).toEqual([]);
    connection.endCatchUp('catch-up');

    expect(socket.sent).toEqual(['catch-up', 'live-1']);
  });

  it('delivers nothing to a socket that has not enabled push', () => {
    const socket = new FakeSocket();
    const connection = new DeviceConnection(socket, device, { maxBufferedBytes: 1000 });
    expect(connection.deliverStateChange('x')).toBe(false);
    connection.enablePush(['Email']);
    connection.disablePush();
    expect(connection.deliverStateChange('x')).toBe(false);
    expect(socket.sent).toEqual([]);
  });
});

describe(PushSubscription.name, () => {
  it('keeps only the subscribed types and shares a key between equal filters', () => {
    const subscription = new PushSubscription(['Mailbox', 'Email']);
    expect(subscription.filter({ Email: '2', Thread: '2', Mailbox: '1' })).toEqual({
      Email: '2',
      Mailbox: '1',
    });
    expect(subscription.filterKey).toBe(new PushSubscription(['Email', 'Mailbox']).filterKey);
    expect(new PushSubscription(null).filter({ Thread: '4' })).toEqual({ Thread: '4' });
  });

  it('aborts the signal its requests run under once the socket has closed, and only then', () => {
    const socket = new FakeSocket();
    const connection = new DeviceConnection(socket, device, { maxBufferedBytes: 1000 });
    expect(connection.signal.aborted).toBe(false);
    connection.socketClosed();
    expect(connection.signal.aborted).toBe(true);
  });
});
