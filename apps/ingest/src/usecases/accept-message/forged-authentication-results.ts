const FIELD_NAME = /^Authentication-Results[ \t]*:/i;

/**
 * The message without the `Authentication-Results:` fields that claim to come from this server
 * (RFC 8601 §5): whoever sent the message from outside may have written one with our authserv-id
 * to pass for our verdict, and a client that trusts our fields would believe it. Fields of other
 * authserv-ids stay; the body is never touched. Linear in the header; the input itself is
 * returned when nothing is removed.
 *
 * `authservIds`, lower case: the server's name and the hosted domains.
 */
export function withoutForgedAuthenticationResults(raw: Buffer, authservIds: ReadonlySet<string>): Buffer {
  const headerEnd = endOfHeader(raw);
  const kept: Buffer[] = [];
  let removed = false;
  for (let start = 0; start < headerEnd;) {
    const end = endOfField(raw, start, headerEnd);
    const field = raw.subarray(start, end);
    if (FIELD_NAME.test(field.subarray(0, 64).toString('latin1')) && authservIds.has(authservIdOf(field))) {
      removed = true;
    } else {
      kept.push(field);
    }
    start = end;
  }
  if (!removed) return raw;
  kept.push(raw.subarray(headerEnd));
  return Buffer.concat(kept);
}

/** Where the header ends: the start of its first empty line, or the end of a message without a body. */
function endOfHeader(raw: Buffer): number {
  for (let start = 0; start < raw.length;) {
    if (raw[start] === 0x0a || (raw[start] === 0x0d && raw[start + 1] === 0x0a)) return start;
    const newline = raw.indexOf(0x0a, start);
    if (newline < 0) return raw.length;
    start = newline + 1;
  }
  return raw.length;
}

/** Where the field starting at `start` ends: past its last line, continuation lines included. */
function endOfField(raw: Buffer, start: number, headerEnd: number): number {
  let newline = raw.indexOf(0x0a, start);
  while (
    newline >= 0 &&
    newline + 1 < headerEnd &&
    (raw[newline + 1] === 0x20 || raw[newline + 1] === 0x09)
  ) {
    newline = raw.indexOf(0x0a, newline + 1);
  }
  return newline < 0 || newline + 1 > headerEnd ? headerEnd : newline + 1;
}

/**
 * The authserv-id of the field at `start` (RFC 8601 §2.2): the first value after the colon,
 * past folding whitespace and comments, unquoted when it is a quoted string. Readers unfold the
 * field and skip comments the same way, so what is read here is what a client would read.
 */
function authservIdOf(field: Buffer): string {
  const text = field.toString('latin1');
  let index = text.indexOf(':') + 1;
  let depth = 0;
  for (; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '(') depth += 1;
    else if (char === ')' && depth > 0) depth -= 1;
    else if (char === '\\' && depth > 0) index += 1;
    else if (depth === 0 && !/[ \t\r\n]/.test(char)) break;
  }
  if (text[index] === '"') {
    let value = '';
    for (index += 1; index < text.length && text[index] !== '"'; index += 1) {
      if (text[index] === '\\') index += 1;
      if (text[index] !== '\r' && text[index] !== '\n') value += text[index] ?? '';
    }
    return value.trim().toLowerCase();
  }
  const token = /^[^\s;()"]*/.exec(text.slice(index))![0];
  return token.replace(/\.$/, '').toLowerCase();
}
