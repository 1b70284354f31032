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

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Hands one message for one recipient to the next hop with nodemailer's SMTP transport: the
 * smarthost (`RELAY_URL`, with AUTH and STARTTLS), or else the recipient domain's MX hosts in
 * preference order, trying the next when one cannot be reached. A 5xx is permanent; a 4xx, a
 * connection or DNS failure is temporary.
 */
@Injectable()
export class SmtpSender {
  private readonly overrides: Map<string, Route>;
  private readonly relay: Transporter | undefined;

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
      const transport = nodemailer.createTransport({
        host: route.host,
        port: route.port,
        name: this.config.OUTBOUND_HOSTNAME,
        // Between MTAs, TLS is opportunistic: STARTTLS when offered, without certificate checks.
        tls: { rejectUnauthorized: false },
        connectionTimeout: this.config.SMTP_TIMEOUT_MS,
        greetingTimeout: this.config.SMTP_TIMEOUT_MS,
        socketTimeout: this.config.SMTP_TIMEOUT_MS,
      });
      try {
        last = await this.attempt(transport, envelope, raw, `${route.host}:${route.port}`);
      } finally {
        transport.close();
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
