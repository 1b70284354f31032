// An SMTP client that keeps its session open and pipelines transactions (RFC 2920): the next
// MAIL/RCPT/DATA group goes out right after the previous message's final dot, without waiting for
// that message's 250. Each send resolves with the final reply and when it arrived.
import { connect } from 'node:net';
import { nowMs } from './stats.mjs';

export class PipelinedSmtp {
  constructor(socket) {
    this.socket = socket;
    this.buffer = '';
    this.lines = [];
    this.waiting = [];
    this.tail = Promise.resolve();
    this.closed = false;
    this.error = null;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => (this.error = error));
    socket.on('close', () => {
      this.closed = true;
      const error = this.error ?? new Error('SMTP connection closed');
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
  }

  static async open(host, port, { localAddress, heloName = 'bench.pushmail.local' } = {}) {
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new PipelinedSmtp(socket);
    const greeting = await session.expect();
    if (greeting.code !== 220) throw new Error(`SMTP greeting: ${greeting.text}`);
    socket.write(`EHLO ${heloName}\r\n`);
    const ehlo = await session.expect();
    if (ehlo.code !== 250) throw new Error(`EHLO: ${ehlo.text}`);
    session.pipelining = /PIPELINING/i.test(ehlo.text);
    return session;
  }

  onData(chunk) {
    this.buffer += chunk;
    let newline;
    while ((newline = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 2);
      this.lines.push(line);
      // "250-…" continues a multi-line reply; "250 …" ends it.
      if (line.length >= 4 && line[3] === '-') continue;
      const text = this.lines.join('\n');
      this.lines = [];
      const reply = { code: Number(line.slice(0, 3)), text, at: nowMs() };
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(reply);
    }
  }

  expect() {
    return new Promise((resolve, reject) => {
      if (this.closed) reject(this.error ?? new Error('SMTP connection closed'));
      else this.waiting.push({ resolve, reject });
    });
  }

  /**
   * Sends one message; `data` is the dot-stuffed message with CRLF line ends, without the final
   * dot. Resolves with { code, text, at } of the reply to the end of data (or of the first refusal).
   */
  send({ from, to, data }) {
    let settle;
    const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
    this.tail = this.tail
      .then(async () => {
        const recipients = Array.isArray(to) ? to : [to];
        const replies = [this.expect(), ...recipients.map(() => this.expect()), this.expect()];
        this.socket.write(
          `MAIL FROM:<${from}>\r\n${recipients.map((address) => `RCPT TO:<${address}>\r\n`).join('')}DATA\r\n`,
        );
        const answered = await Promise.all(replies);
        const dataReply = answered[answered.length - 1];
        if (dataReply.code !== 354) {
          const refusal = answered.find((reply) => reply.code >= 400) ?? dataReply;
          settle.resolve({ ...refusal, at: dataReply.at });
          return;
        }
        const final = this.expect();
        this.socket.write(data);
        this.socket.write('\r\n.\r\n');
        final.then(settle.resolve, settle.reject);
      })
      .catch((error) => settle.reject(error));
    return result;
  }

  async close() {
    if (this.closed) return;
    try {
      await this.tail;
      const bye = this.expect();
      this.socket.write('QUIT\r\n');
      await Promise.race([bye, new Promise((resolve) => setTimeout(resolve, 1000))]);
    } catch {
      // the server may already have gone
    }
    this.socket.destroy();
  }
}

/**
 * Several pipelined sessions, used round robin. A session the server ended (or the network cut) is
 * opened again for the next message that falls to it, as a sending MTA does: a long run must not
 * lose its load to one closed socket. Messages in flight on the session that ended fail with its
 * error; they were never answered 250, so no ledger counts them as accepted.
 */
export class SmtpPool {
  static async open(host, port, sessions, options = {}) {
    const pool = new SmtpPool();
    pool.open = () => PipelinedSmtp.open(host, port, options);
    pool.sessions = await Promise.all(Array.from({ length: sessions }, () => pool.open()));
    pool.reopening = new Map();
    pool.reopened = 0;
    pool.next = 0;
    return pool;
  }

  async send(mail) {
    const index = this.next;
    this.next = (this.next + 1) % this.sessions.length;
    const session = this.sessions[index].closed ? await this.reopen(index) : this.sessions[index];
    return session.send(mail);
  }

  /** One new session in place of a closed one, shared by every message waiting for it. */
  reopen(index) {
    let pending = this.reopening.get(index);
    if (!pending) {
      pending = this.open()
        .then((session) => {
          this.sessions[index] = session;
          this.reopened += 1;
          return session;
        })
        .finally(() => this.reopening.delete(index));
      this.reopening.set(index, pending);
    }
    return pending;
  }

  close() {
    return Promise.all(this.sessions.map((session) => session.close()));
  }
}
