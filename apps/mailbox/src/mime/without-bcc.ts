/**
 * The message as it is transmitted: its `Bcc` header field (with any folded continuation lines)
 * removed, so no recipient learns of the blind copies (RFC 5322 §3.6.3). The body is untouched;
 * the work is linear in the header's length.
 */
export function withoutBcc(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 2 : lf >= 0 ? lf + 1 : raw.length;
  const header = raw.subarray(0, end).toString('latin1');
  const lines = header.split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) dropping = /^bcc\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  if (kept.length === lines.length) return raw;
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(end)]);
}
