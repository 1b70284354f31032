import { randomBytes } from 'node:crypto';

export interface FailedRecipient {
  recipient: string;
  /** The last reply of the receiving server, or what happened locally. */
  reply: string;
  remoteHost: string | null;
  /** Expired after temporary failures, not refused. */
  expired: boolean;
}

export interface DsnInput {
  reportingMta: string;
  sender: string;
  submittedAt: Date;
  failed: FailedRecipient;
  /** The original message; only its header goes into the report. */
  original: Buffer;
  now: Date;
}

/** An enhanced status code (RFC 3463) from a reply, or the generic one for the outcome. */
export function statusCodeOf(reply: string, expired: boolean): string {
  const found = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (found && !expired) return found[1]!;
  return expired ? '4.4.7' : '5.0.0';
}

/** One line, ASCII, bounded: a reply becomes a header value that cannot break the report. */
function oneLine(value: string, max = 900): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, max);
}

function headerOf(message: Buffer): string {
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf >= 0 ? lf : message.length;
  return message
    .subarray(0, Math.min(end, 64 * 1024))
    .toString('latin1')
    .replace(/\r?\n/g, '\r\n');
}

/**
 * A delivery status notification (RFC 3464): a multipart/report with a human-readable part, the
 * machine-readable message/delivery-status, and the original message's header.
 */
export function buildDsn(input: DsnInput): Buffer {
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const { failed } = input;
  const reply = oneLine(failed.reply);
  const status = statusCodeOf(failed.reply, failed.expired);
  const why = failed.expired
    ? 'It could not be delivered in the time allowed; the receiving server kept answering:'
    : 'The receiving server refused it for good:';
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.sender}>`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${input.now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${boundary}@${input.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message to <${failed.recipient}> was not delivered.`,
    why,
    '',
    `    ${reply}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `Arrival-Date: ${input.submittedAt.toUTCString().replace('GMT', '+0000')}`,
    '',
    `Final-Recipient: rfc822; ${failed.recipient}`,
    'Action: failed',
    `Status: ${status}`,
    ...(failed.remoteHost ? [`Remote-MTA: dns; ${oneLine(failed.remoteHost, 255)}`] : []),
    `Diagnostic-Code: smtp; ${reply}`,
    `Last-Attempt-Date: ${input.now.toUTCString().replace('GMT', '+0000')}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headerOf(input.original),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
