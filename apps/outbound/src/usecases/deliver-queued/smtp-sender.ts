import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { DkimKeys } from '../../dkim/dkim-keys.service.js';
import { headerFromAddress } from './header-from.js';
import { MX_RESOLVER, type MxResolver } from './mx-resolver.js';

export type SendOutcome = (
  | { kind: 'delivered'; reply: string; remoteHost: string }
  | { kind: 'temporary'; reply: string; remoteHost: string | null }
  | { kind: 'permanent'; reply: string; remoteHost: string | null }
) & {
  /** When the server's reply was read (`performance.now()`); absent when no server answered. */
  repliedAt?: number;
};

interface Route {
  host: string;
  port: number;
}

/**
 * How long a connection to an MX host stays open with nothing to send. Mail for one host within
 * this time reuses it, without a new TCP (and TLS) handshake, greeting and EHLO; a server's own
 * idle limit is far longer (RFC 5321 §4.5.3.2.7: at least 5 minutes).
 */
export const MX_CONNECTION_IDLE_MS = 5000;

/** The connections to one MX host, and the deliveries using them now. */
interface HostConnections {
  transport: Transporter;
  inFlight: number;
  idle: NodeJS.Timeout | undefined;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Hands one message for one recipient to the next hop with nodemailer's SMTP transport: the
 * smarthost (`RELAY_URL`, with AUTH and STARTTLS), or else the recipient domain's MX hosts in
 * preference order, trying the next when one cannot be reached. A 5xx is permanent; a 4xx, a
 * connection or DNS failure is temporary. Connections to an MX host are kept for the next message
 * to that host while they are used (`MX_CONNECTION_IDLE_MS`), as the smarthost's are.
 */
@Injectable()
export class SmtpSender {
  private readonly overrides: Map<string, Route>;
  private readonly relay: Transporter | undefined;
  /** Per MX host (`host:port`), while it has deliveries or was used within `MX_CONNECTION_IDLE_MS`. */
  private readonly hosts = new Map<string, HostConnections>();

  constructor(
    @Inject(CONFIG) private readonly config: OutboundConfig,
    @Inject(DkimKeys) private readonly dkim: DkimKeys,
    @Inject(MX_RESOLVER) private readonly resolveMx: MxResolver,
  ) {
    this.overrides = new Map((config.MX_OVERRIDES ?? []).map((route) => [route.domain, route]));
    this.relay = config.RELAY_URL
      ? nodemailer.createTransport({
          url: config.RELAY_URL,
          name: config.OUTBOUND_HOSTNAME,
          requireTLS: config.RELAY_REQUIRE_TLS,
          tls: { rejectUnauthorized: config.RELAY_TLS_VERIFY },
          connectionTimeout: config.SMTP_TIMEOUT_MS,
          greetingTimeout: config.SMTP_TIMEOUT_MS,
          socketTimeout: config.SMTP_TIMEOUT_MS,
          pool: true,
          maxConnections: Math.min(config.DELIVERY_CONCURRENCY, 10),
        } as TransportOptions)
      : undefined;
  }

  close(): void {
    this.relay?.close();
    for (const host of this.hosts.values()) {
      clearTimeout(host.idle);
      host.transport.close();
    }
    this.hosts.clear();
  }

  /** `mailFrom` empty: sent with the null reverse-path, `MAIL FROM:<>`. */
  async send(mailFrom: string, recipient: string, raw: Buffer): Promise<SendOutcome> {
    const envelope = { from: mailFrom, to: [recipient] };
    if (this.relay) return this.attempt(this.relay, envelope, raw, 'relay');
    const domain = recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase();
    let routes: Route[];
    try {
      routes = await this.routesOf(domain);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The domain does not exist: no retry will help.
      if (code === 'ENOTFOUND' || code === 'NXDOMAIN')
        return {
          kind: 'permanent',
          reply: `550 5.1.2 the domain ${domain} does not exist`,
          remoteHost: null,
        };
      return {
        kind: 'temporary',
        reply: `451 4.4.3 MX lookup for ${domain} failed (${code ?? 'error'})`,
        remoteHost: null,
      };
    }
    if (routes.length === 0)
      return { kind: 'permanent', reply: `550 5.1.10 ${domain} accepts no mail (null MX)`, remoteHost: null };
    let last: SendOutcome = { kind: 'temporary', reply: '451 4.4.1 no MX host answered', remoteHost: null };
    for (const route of routes) {
      const remoteHost = `${route.host}:${route.port}`;
      const host = this.connectionsTo(remoteHost, route);
      try {
        last = await this.attempt(host.transport, envelope, raw, remoteHost);
      } finally {
        this.release(remoteHost, host);
      }
      // Another MX host is tried only when this one could not be reached or deferred.
      if (last.kind !== 'temporary') return last;
    }
    return last;
  }

  private async attempt(
    transport: Transporter,
    envelope: { from: string; to: string[] },
    raw: Buffer,
    remoteHost: string,
  ): Promise<SendOutcome> {
    try {
      // Mail from a hosted domain leaves signed with that domain's key; with the null reverse-path
      // (an automatic reply), the domain of its From field.
      const signer = envelope.from === '' ? headerFromAddress(raw) : envelope.from;
      const key = signer === undefined ? undefined : this.dkim.signingKeyFor(signer);
      const dkim = key
        ? { domainName: key.domain, keySelector: key.selector, privateKey: key.privateKey }
        : undefined;
      const info = (await transport.sendMail({ envelope, raw, ...(dkim ? { dkim } : {}) })) as {
        response?: string;
      };
      const repliedAt = performance.now();
      return { kind: 'delivered', reply: oneLine(info.response ?? '250 accepted'), remoteHost, repliedAt };
    } catch (error) {
      const repliedAt = performance.now();
      const failure = error as NodemailerError;
      const code = failure.responseCode;
      const reply = oneLine(failure.response ?? `${failure.code ?? 'error'}: ${failure.message}`);
      if (code === undefined) return { kind: 'temporary', reply, remoteHost };
      return { kind: code >= 500 && code < 600 ? 'permanent' : 'temporary', reply, remoteHost, repliedAt };
    }
  }

  /** The host's connections, taken for one delivery until `release`. */
  private connectionsTo(remoteHost: string, route: Route): HostConnections {
    let host = this.hosts.get(remoteHost);
    if (!host) {
      host = {
        transport: nodemailer.createTransport({
          host: route.host,
          port: route.port,
          name: this.config.OUTBOUND_HOSTNAME,
          // Between MTAs, TLS is opportunistic: STARTTLS when offered, without certificate checks.
          tls: { rejectUnauthorized: false },
          connectionTimeout: this.config.SMTP_TIMEOUT_MS,
          greetingTimeout: this.config.SMTP_TIMEOUT_MS,
          socketTimeout: this.config.SMTP_TIMEOUT_MS,
          pool: true,
          maxConnections: Math.min(this.config.DELIVERY_CONCURRENCY, 10),
          idleTimeout: MX_CONNECTION_IDLE_MS,
          // A connection that closes before any of the message was sent (the server dropped a kept
          // connection, or closed before its greeting) hands it to a new connection once, about
          // 0.2 s later (nodemailer's pauses); a failure after that, or once bytes were sent, is
          // this attempt's outcome.
          maxRequeues: 1,
        } as TransportOptions),
        inFlight: 0,
        idle: undefined,
      };
      this.hosts.set(remoteHost, host);
    }
    clearTimeout(host.idle);
    host.idle = undefined;
    host.inFlight += 1;
    return host;
  }

  /** A host nobody sends to for `MX_CONNECTION_IDLE_MS` is closed and forgotten. */
  private release(remoteHost: string, host: HostConnections): void {
    host.inFlight -= 1;
    if (host.inFlight > 0) return;
    host.idle = setTimeout(() => {
      if (this.hosts.get(remoteHost) !== host || host.inFlight > 0) return;
      this.hosts.delete(remoteHost);
      host.transport.close();
    }, MX_CONNECTION_IDLE_MS);
    host.idle.unref();
  }

  /** MX hosts by preference (RFC 5321 §5.1), the domain itself without MX records, a fixed route if configured. */
  private async routesOf(domain: string): Promise<Route[]> {
    const fixed = this.overrides.get(domain);
    if (fixed) return [fixed];
    let records: Array<{ exchange: string; priority: number }>;
    try {
      records = await this.resolveMx(domain, 'MX');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENODATA') return [{ host: domain, port: 25 }];
      throw error;
    }
    if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.')) return [];
    // The records may be a remembered answer shared with other deliveries: sort a copy.
    return [...records]
      .sort((a, b) => a.priority - b.priority)
      .map((record) => ({ host: record.exchange, port: 25 }));
  }
}

function oneLine(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 1000);
}
