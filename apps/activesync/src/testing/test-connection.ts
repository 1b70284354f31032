import { EventEmitter } from 'node:events';
import type { PingConnection, PingEnd, PingWatcher } from '../ping/ping-registry.js';

/** A parked request's connection as a response is one: it closes once, and stays closed. */
export class TestConnection extends EventEmitter implements PingConnection {
  destroyed = false;

  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

/** A watcher that looks with `check`, and how the Ping it watches ends. */
export function watcherOf(check: PingWatcher['changedFolders']): {
  watcher: PingWatcher;
  end: Promise<PingEnd>;
} {
  let ended: (end: PingEnd) => void = () => undefined;
  const end = new Promise<PingEnd>((resolve) => (ended = resolve));
  return { watcher: { changedFolders: check, ended: (value) => ended(value) }, end };
}
