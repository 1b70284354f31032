import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { SmtpConnectionGuard, type SmtpConnection, type SmtpGuardSettings } from './smtp-connection-guard.js';
import { SmtpReplies } from './smtp-replies.js';
import type { SmtpSessionHandler } from './smtp-session.handler.js';

export interface SmtpListenerSettings {
  host: string;
  port: number;
  /** The name in the greeting and the EHLO reply. */
  hostname: string;
  maxMessageBytes: number;
  socketTimeoutMs: number;
  /** How long a shutdown waits for messages in DATA or being published. */
  drainTimeoutMs: number;
  guard: SmtpGuardSettings;
}

/** The SMTP socket server: starts listening, and on stop lets transactions in flight finish. */
export class SmtpListener {
  private readonly server: SMTPServer;
  private readonly log: Logger;
  private readonly guards = new WeakMap<SMTPServerSession, SmtpConnectionGuard>();
  private listening = false;
  private started = false;

  constructor(
    private readonly handler: SmtpSessionHandler,
    private readonly settings: SmtpListenerSettings,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'smtp-listener' });
    this.server = new SMTPServer({
      name: settings.hostname,
      size: settings.maxMessageBytes,
      // No certificate is configured yet, so no STARTTLS; there are no submission users, so no AUTH.
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      // A DNS lookup per connection slows every session and tells us nothing we act on.
      disableReverseLookup: true,
      socketTimeout: settings.socketTimeoutMs,
      closeTimeout: settings.drainTimeoutMs,
      logger: false,
      onConnect: (session, done) => {
        let fromSameAddress = 0;
        let connection: SmtpConnection | undefined;
        for (const open of this.server.connections) {
          if (open.remoteAddress === session.remoteAddress) fromSameAddress += 1;
          if (open.session === session) connection = open;
        }
        if (connection)
          this.guards.set(session, new SmtpConnectionGuard(connection, settings.guard, this.log));
        handler.onConnect(session, this.server.connections.size, fromSameAddress, done);
      },
      onMailFrom: (address, session, done) => handler.onMailFrom(address, session, done),
      onRcptTo: (address, session, done) => handler.onRcptTo(address, session, done),
      onData: (stream, session, done) => {
        this.guards.get(session)?.watchData(stream);
        handler.onData(stream, session, done);
      },
    });
    // Errors of single client connections (resets, protocol garbage) arrive here; without a
    // listener they would crash the process.
    this.server.on('error', (error: Error) => this.log.debug({ err: error }, 'smtp connection error'));
  }

  get isListening(): boolean {
    return this.listening;
  }

  get address(): AddressInfo | undefined {
    const address = this.server.server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  async start(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      this.server.server.once('error', failed);
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.server.off('error', failed);
        resolve();
      });
    });
    this.started = true;
    this.listening = true;
    const address = this.address;
    if (!address) throw new Error('the SMTP server is not bound to a TCP address');
    this.log.info({ host: address.address, port: address.port }, 'SMTP listening');
    return address;
  }

  /** Stops accepting, waits (bounded) for messages in flight to be answered, then closes every session. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.listening = false;
    // From here smtp-server answers every new command with 421, while DATA already under way
    // still reaches the handler and gets its reply.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const inFlight = this.handler.transactionsInFlight;
    const drained = await this.handler.drain(this.settings.drainTimeoutMs);
    this.log.info({ inFlight, drained, sessions: this.server.connections.size }, 'SMTP stopped accepting');
    const shuttingDown = SmtpReplies.shuttingDown();
    // Idle sessions would otherwise keep the server open until the close timeout.
    for (const connection of this.server.connections)
      connection.send(shuttingDown.responseCode, shuttingDown.message, false);
    await closed;
  }
}
