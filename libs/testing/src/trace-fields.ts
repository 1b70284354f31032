const LEADING_TRACE_FIELD =
  /^(?:Return-Path|Received|Authentication-Results|Received-SPF):[^\n]*\n(?:[ \t][^\n]*\n)*/i;

/**
 * Ingest stores each message with the `Return-Path:` and `Received:` fields it prepends
 * (RFC 5321 §4.4), and the results of its sender checks (`Authentication-Results:`,
 * `Received-SPF:`), in front of the bytes the client sent; this splits the two apart.
 */
export function splitTraceFields(stored: Buffer): { trace: string; sent: Buffer } {
  // latin1 maps each byte to one character, so lengths in the text are lengths in bytes.
  const text = stored.toString('latin1');
  let offset = 0;
  for (
    let match = LEADING_TRACE_FIELD.exec(text);
    match;
    match = LEADING_TRACE_FIELD.exec(text.slice(offset))
  ) {
    offset += match[0].length;
  }
  return { trace: text.slice(0, offset), sent: stored.subarray(offset) };
}
