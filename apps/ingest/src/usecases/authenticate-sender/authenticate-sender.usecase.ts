import { authenticate, type DNSResolver } from 'mailauth';
import { withTimeout } from '../accept-message/accept-message.usecase.js';
import { policyForRecipients, type InboundAuthPolicy } from './inbound-auth-policy.js';
import { checkUnsigned, unsignedHeader, type SenderCheckResult } from './unsigned-checks.js';

export interface SenderToCheck {
  /** The message as the client sent it. */
  raw: Buffer;
  /** MAIL FROM, empty for a bounce. */
  mailFrom: string;
  clientAddress: string;
  heloName: string;
  /** The hosted domains of the accepted recipients: their policies decide. */
  recipientDomains: readonly string[];
}

/** Each method's result keyword (RFC 8601), `none` when the method had nothing to check. */
export interface AuthenticationVerdict {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  /** The author (From) domain DMARC was evaluated for, when there was one. */
  authorDomain?: string;
  /** The author domain's effective DMARC policy (`none`, `quarantine`, `reject`), when published. */
  dmarcPolicy?: string;
}

export type SenderDecision =
  /** `fields`: `Authentication-Results:` (and `Received-SPF:`) to store above the message, CRLF-ended. */
  | { action: 'accept'; verdict: AuthenticationVerdict; fields: string }
  | { action: 'reject'; verdict: AuthenticationVerdict }
  | { action: 'defer'; verdict: AuthenticationVerdict };

export interface AuthenticateSenderOptions {
  /** The authserv-id of the `Authentication-Results:` field: this server's name. */
  hostname: string;
  resolver: DNSResolver;
  policies: ReadonlyMap<string, InboundAuthPolicy>;
  defaultPolicy: InboundAuthPolicy;
  /** Every lookup of one message together; past it the checks count as a temporary error. */
  timeoutMs: number;
}

const FIELD_START = /^(?:Authentication-Results|Received-SPF):/i;

/**
 * What the sender checks read at most. The checks' header parser is quadratic in the lines of one
 * folded field (20,000 continuation lines cost about a second, 200,000 minutes), so a header past
 * these bounds, which no real sender writes, is not handed to it: it counts as a permanent error.
 */
export const SENDER_CHECK_LIMITS = { headerBytes: 512 * 1024, linesPerField: 1000 } as const;

/** Whether the header (up to the first empty line) stays within SENDER_CHECK_LIMITS; linear. */
export function headerWithinCheckLimits(raw: Buffer): boolean {
  const end = Math.min(raw.length, SENDER_CHECK_LIMITS.headerBytes + 1);
  let lineStart = 0;
  let fieldLines = 0;
  for (let index = 0; index < end; index += 1) {
    if (raw[index] !== 0x0a) continue;
    const lineLength = index - lineStart - (index > 0 && raw[index - 1] === 0x0d ? 1 : 0);
    if (lineLength === 0) return true;
    const continues = raw[lineStart] === 0x20 || raw[lineStart] === 0x09;
    fieldLines = continues ? fieldLines + 1 : 1;
    if (fieldLines > SENDER_CHECK_LIMITS.linesPerField) return false;
    lineStart = index + 1;
  }
  return end < SENDER_CHECK_LIMITS.headerBytes + 1;
}

/**
 * Checks who sent a message from outside (SPF, DKIM, ARC, DMARC, with mailauth) and decides,
 * by the policy of the recipients' domains, whether it is accepted and marked or refused.
 */
export class AuthenticateSender {
  constructor(private readonly options: AuthenticateSenderOptions) {}

  async execute(message: SenderToCheck): Promise<SenderDecision> {
    const policy = policyForRecipients(
      message.recipientDomains,
      this.options.policies,
      this.options.defaultPolicy,
    );
    if (!headerWithinCheckLimits(message.raw)) {
      const verdict = uncheckedVerdict('permerror');
      // Refusing it where the domain asks for rejection keeps a padded header from slipping past DMARC.
      if (policy === 'reject') return { action: 'reject', verdict };
      return {
        action: 'accept',
        verdict,
        fields: `Authentication-Results: ${this.options.hostname};\r\n dmarc=permerror (header too large to check)\r\n`,
      };
    }
    let result: SenderCheckResult;
    try {
      result = await withTimeout(this.check(message), this.options.timeoutMs);
    } catch (error) {
      const verdict = uncheckedVerdict('temperror');
      if (policy === 'reject') return { action: 'defer', verdict };
      const reason = comment((error as Error).message);
      return {
        action: 'accept',
        verdict,
        fields: `Authentication-Results: ${this.options.hostname};\r\n dmarc=temperror (${reason})\r\n`,
      };
    }
    const verdict = verdictOf(result);
    if (policy === 'reject' && verdict.dmarc === 'fail' && verdict.dmarcPolicy === 'reject') {
      return { action: 'reject', verdict };
    }
    if (policy === 'reject' && verdict.dmarc === 'temperror') return { action: 'defer', verdict };
    return { action: 'accept', verdict, fields: headerSafe(result.headers) };
  }

  /**
   * mailauth's checks. A message with no DKIM-Signature and no ARC field (most mail from small
   * senders) skips its DKIM verifier, which would stream the whole message to find no signature:
   * the same SPF, ARC and DMARC checks give the same result and fields for less CPU.
   */
  private async check(message: SenderToCheck): Promise<SenderCheckResult> {
    const options = {
      ip: message.clientAddress.replace(/^::ffff:/i, ''),
      helo: message.heloName || undefined,
      sender: message.mailFrom,
      mta: this.options.hostname,
      resolver: this.options.resolver,
    };
    const unsigned = unsignedHeader(message.raw);
    if (unsigned) return checkUnsigned(unsigned, options);
    // Logos are for displays; fetching them is no business of a mail receiver.
    return authenticate(message.raw, { ...options, disableBimi: true });
  }
}

/** The verdict on a message that could not be checked: `permerror` (it cannot be), `temperror` (not now). */
function uncheckedVerdict(error: 'permerror' | 'temperror'): AuthenticationVerdict {
  return { spf: error, dkim: error, dmarc: error, arc: 'none' };
}

function verdictOf(result: SenderCheckResult): AuthenticationVerdict {
  const signatures = result.dkim.results ?? [];
  const dkim =
    signatures.find((signature) => signature.status.result === 'pass')?.status.result ??
    signatures[0]?.status.result ??
    'none';
  const verdict: AuthenticationVerdict = {
    spf: result.spf ? result.spf.status.result : 'none',
    dkim,
    dmarc: result.dmarc ? result.dmarc.status.result : 'none',
    arc: result.arc ? result.arc.status.result : 'none',
  };
  if (result.dmarc) {
    verdict.authorDomain = result.dmarc.domain;
    if (result.dmarc.policy) verdict.dmarcPolicy = result.dmarc.policy;
  }
  return verdict;
}

/**
 * The fields mailauth wrote carry values from the message and the client (the From domain, the
 * HELO name): whatever they hold, no line may start a field of its own or end the header.
 */
function headerSafe(fields: string): string {
  const lines = fields
    .replace(/\r\n$/, '')
    .split('\r\n')
    .map((line) => line.replace(/[\r\n\0]/g, ' '))
    .filter((line) => line.trim().length > 0)
    .map((line) => (FIELD_START.test(line) || /^[ \t]/.test(line) ? line : ` ${line}`));
  return lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '';
}

/** Text for a comment in a header field: printable ASCII without parentheses. */
function comment(text: string): string {
  return text.replace(/[^\x20-\x7e]|[()\\]/g, ' ').slice(0, 120);
}
