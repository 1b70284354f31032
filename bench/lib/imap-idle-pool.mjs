// IMAP clients in IDLE (RFC 2177) for the classic-stack baseline: the same role the device workers
// play for pushmail, behind the same interface (`onEvents({ push, fetch })`, `setMode`, `errors`,
// `close`), so the push-latency scenario drives either unchanged. A client reports `* N EXISTS` as
// a push; a fetching client then does what a mail client does on it: leaves IDLE, fetches the new
// messages' subject, sender, date and preview (what pushmail's devices ask of Email/get), and idles again.
import { connect } from 'node:net';

import { nowMs } from './stats.mjs';

const LITERAL = /\{(\d+)\}$/;

class ImapIdleClient {
  constructor({ socket, accountId, fetch, pool }) {
    this.socket = socket;
    this.accountId = accountId;
    this.fetch = fetch;
    this.pool = pool;
    this.buffer = '';
    this.response = '';
    this.literalLeft = 0;
    this.tag = 0;
    this.waiting = new Map();
    this.idling = null;
    this.fetching = false;
    this.pendingPushAt = null;
    this.nextUid = 1;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => pool.error(error));
    socket.on('close', () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('IMAP connection closed'));
      this.waiting.clear();
    });
  }

  static async open({ host, port, localAddress, address, password, accountId, fetch, pool }) {
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new ImapIdleClient({ socket, accountId, fetch, pool });
    await client.untagged(/^\* OK/);
    await client.command(`LOGIN ${quote(address)} ${quote(password)}`);
    const selected = await client.command('SELECT INBOX');
    const uidNext = /\[UIDNEXT (\d+)\]/.exec(selected.text)?.[1];
    if (uidNext) client.nextUid = Number(uidNext);
    await client.idle();
    return client;
  }

  onData(chunk) {
    this.buffer += chunk;
    for (;;) {
      if (this.literalLeft > 0) {
        if (this.buffer.length < this.literalLeft) return;
        this.response += this.buffer.slice(0, this.literalLeft);
        this.buffer = this.buffer.slice(this.literalLeft);
        this.literalLeft = 0;
      }
      const newline = this.buffer.indexOf('\r\n');
      if (newline < 0) return;
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 2);
      this.response += `${line}\n`;
      const literal = LITERAL.exec(line);
      if (literal) {
        this.literalLeft = Number(literal[1]);
        continue;
      }
      const response = this.response;
      this.response = '';
      this.onResponse(response);
    }
  }

  onResponse(text) {
    const at = nowMs();
    if (text.startsWith('+')) {
      this.idleStarted?.();
      this.idleStarted = null;
      return;
    }
    if (text.startsWith('* ')) {
      if (/^\* \d+ EXISTS/.test(text)) this.onExists(at);
      this.collected?.push(text);
      this.greeting?.(text);
      return;
    }
    const tag = text.slice(0, text.indexOf(' '));
    const waiter = this.waiting.get(tag);
    if (!waiter) return;
    this.waiting.delete(tag);
    const ok = text.slice(tag.length + 1).startsWith('OK');
    if (ok) waiter.resolve({ text: waiter.collected.join('') + text, untagged: waiter.collected });
    else waiter.reject(new Error(`IMAP ${waiter.command.split(' ')[0]}: ${text.trim()}`));
  }

  untagged(pattern) {
    return new Promise((resolve) => {
      this.greeting = (text) => {
        if (!pattern.test(text)) return;
        this.greeting = null;
        resolve(text);
      };
    });
  }

  command(command) {
    const tag = `t${++this.tag}`;
    return new Promise((resolve, reject) => {
      const collected = [];
      this.collected = collected;
      this.waiting.set(tag, { resolve, reject, command, collected });
      this.socket.write(`${tag} ${command}\r\n`);
    });
  }

  async idle() {
    const started = new Promise((resolve) => (this.idleStarted = resolve));
    this.idling = this.command('IDLE');
    this.idling.catch(() => undefined);
    await started;
  }

  async leaveIdle() {
    const done = this.idling;
    this.idling = null;
    this.socket.write('DONE\r\n');
    await done;
  }

  onExists(at) {
    if (this.pool.mode !== 'latency') return;
    this.pool.onEvents?.({ push: [this.accountId, at], fetch: [] });
    if (!this.fetch) return;
    if (this.fetching) {
      this.pendingPushAt ??= at;
      return;
    }
    void this.fetchNew(at);
  }

  async fetchNew(pushAt) {
    this.fetching = true;
    try {
      let at = pushAt;
      while (at !== null) {
        await this.leaveIdle();
        const reply = await this.command(
          `UID FETCH ${this.nextUid}:* (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] PREVIEW)`,
        );
        const doneAt = nowMs();
        const fetch = [];
        for (const response of reply.untagged) {
          const uid = Number(/UID (\d+)/.exec(response)?.[1] ?? 0);
          if (uid < this.nextUid) continue;
          this.nextUid = uid + 1;
          const subject = /^Subject: (.*)$/im.exec(response)?.[1]?.trim();
          if (subject) fetch.push(subject, at, doneAt);
        }
        if (fetch.length > 0) this.pool.onEvents?.({ push: [], fetch });
        await this.idle();
        at = this.pendingPushAt;
        this.pendingPushAt = null;
      }
    } catch (error) {
      this.pool.error(error);
    } finally {
      this.fetching = false;
    }
  }

  async close() {
    if (this.socket.destroyed) return;
    this.socket.write('DONE\r\nt0 LOGOUT\r\n');
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.socket.destroy();
  }
}

function quote(value) {
  return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}

export class ImapIdlePool {
  constructor() {
    this.clients = [];
    this.errors = [];
    this.mode = 'none';
    this.onEvents = null;
    // The clients run in the benchmark's own process, so its CPU is the load generator's.
    this.pids = [];
  }

  error(error) {
    if (this.errors.length < 20) this.errors.push(String(error?.message ?? error));
  }

  /**
   * Logs in one IDLE client per device ({ address, accountId, fetch }) and leaves each idling in
   * INBOX. `onProgress(connected, failed)` is called as it goes.
   */
  static async connect({ host, port, password, devices, localAddresses = [], concurrency = 20, onProgress }) {
    const pool = new ImapIdlePool();
    let next = 0;
    let failed = 0;
    const errors = [];
    await Promise.all(
      Array.from({ length: Math.min(concurrency, devices.length) }, async () => {
        while (next < devices.length) {
          const index = next++;
          const device = devices[index];
          try {
            pool.clients.push(
              await ImapIdleClient.open({
                host,
                port,
                localAddress: localAddresses.length
                  ? localAddresses[index % localAddresses.length]
                  : undefined,
                password,
                pool,
                ...device,
              }),
            );
          } catch (error) {
            failed += 1;
            if (errors.length < 5) errors.push(String(error?.message ?? error));
          }
          onProgress?.(pool.clients.length, failed);
        }
      }),
    );
    return { pool, connected: pool.clients.length, failed, errors };
  }

  async setMode(mode) {
    this.mode = mode;
  }

  async close() {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}
