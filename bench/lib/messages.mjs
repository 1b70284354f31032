// Builds test messages of a given size. Every message is unique (subject and Message-ID), since
// the mailbox keeps one copy of identical bytes sent twice to the same account.
import { randomBytes } from 'node:crypto';

const FILLER_LINE = 'The quick brown fox jumps over the lazy dog, then checks its mail once more. 0123456789';

function filler(bytes) {
  const lines = [];
  let size = 0;
  let index = 0;
  while (size < bytes) {
    const line = `${FILLER_LINE.slice(0, 70)} ${String(index++).padStart(5, '0')}`;
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join('\r\n');
}

const fillers = new Map();

export const RUN_TAG = randomBytes(4).toString('hex');

/** The subject carries the sequence number, so a device that fetched the mail can say which it was. */
export function subjectOf(seq) {
  return `bench ${RUN_TAG} #${seq}`;
}

export function seqOfSubject(subject) {
  const match = /^bench [0-9a-f]+ #(\d+)$/.exec(subject ?? '');
  return match ? Number(match[1]) : null;
}

/** A plain-text message of about `sizeBytes`, ready for PipelinedSmtp.send (CRLF, no final dot). */
export function buildMessage({ seq, to, from = 'sender@bench.example', sizeBytes = 4096 }) {
  const headers = [
    `From: Bench Sender <${from}>`,
    `To: <${to}>`,
    `Subject: ${subjectOf(seq)}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${RUN_TAG}.${seq}@bench.pushmail.local>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
  ].join('\r\n');
  const bodyBytes = Math.max(16, sizeBytes - headers.length - 4);
  let body = fillers.get(bodyBytes);
  if (!body) {
    body = filler(bodyBytes);
    fillers.set(bodyBytes, body);
  }
  return `${headers}\r\n\r\n${body}`;
}
