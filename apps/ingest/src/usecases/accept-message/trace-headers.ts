/** What the trace fields of one received message record (RFC 5321 §4.4). */
export interface TraceInfo {
  /** The reverse path from MAIL FROM; empty for a bounce (`<>`). */
  mailFrom: string;
  heloName: string;
  clientAddress: string;
  /** This server's name, as in its greeting. */
  hostname: string;
  /** `ESMTP`, `SMTP`, or `UTF8SMTP` when the client used SMTPUTF8 (RFC 6531). */
  protocol: string;
  queueId: string;
  receivedAt: Date;
  /**
   * `Authentication-Results:` (and `Received-SPF:`) as this server wrote them, CRLF-ended: they go
   * between `Return-Path:` and `Received:`, as if added on top once the message was received.
   */
  authenticationFields?: string;
}

/**
 * The `Return-Path:` and `Received:` fields an SMTP server prepends to each message it delivers
 * (RFC 5321 §4.4), folded to stay under 78 characters a line where the values allow.
 *
 * The clause `for <recipient>` is left out on purpose: every recipient account stores the same
 * bytes, and naming one recipient would show every other one, Bcc included, who it was.
 */
export function traceHeaders(trace: TraceInfo): Buffer {
  const received =
    `Received: from ${token(trace.heloName) || 'unknown'} (${addressLiteral(trace.clientAddress)})\r\n` +
    `\tby ${token(trace.hostname)} with ${trace.protocol} id ${trace.queueId};\r\n` +
    `\t${rfc5322Date(trace.receivedAt)}\r\n`;
  return Buffer.from(
    `Return-Path: <${pathText(trace.mailFrom)}>\r\n${trace.authenticationFields ?? ''}${received}`,
    'utf8',
  );
}

// A value the client chose lands in a header: nothing in it may end the field or open a
// comment or a new clause, whatever the SMTP layer already let through.
// A HELO name or address literal is ASCII (RFC 5321 §4.1.2): anything else becomes '?' too.
function token(value: string): string {
  return value.replace(/[^\x21-\x7e]|[()<>;\\"]/g, '?').slice(0, 255);
}

function pathText(value: string): string {
  return value.replace(/[\x00-\x1f\x7f<>]/g, '?').slice(0, 320);
}

function addressLiteral(address: string): string {
  const plain = address.replace(/^::ffff:/, '');
  const literal = plain.includes(':') ? `IPv6:${plain}` : plain;
  return `[${token(literal)}]`;
}

/** `Sat, 05 Dec 2026 12:49:37 +0000`: RFC 5322 wants a numeric zone, not `GMT`. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
