import { pino } from 'pino';
import type { SocketLike } from '../socket/device-connection.js';

export const silentLogger = pino({ level: 'silent' });

/** A WebSocket stand-in that records what is sent and how it was closed. */
export class FakeSocket implements SocketLike {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  terminated = false;
  pings = 0;

  send(data: string): void {
    this.sent.push(data);
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }

  ping(): void {
    this.pings += 1;
  }

  messages(): Array<Record<string, unknown>> {
    return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
  }
}
