import iconv from 'iconv-lite';
import libmime from 'libmime';
import libqp from 'libqp';

/** One header field as it is in the message: the raw value follows the colon, folding kept. */
export interface RawHeader {
  name: string;
  value: string;
}

/** What an EmailBodyPart says of itself (RFC 8621 §4.1.4), read from a message or given to compose one. */
export interface PartFields {
  type: string;
  charset: string | null;
  name: string | null;
  disposition: string | null;
  cid: string | null;
  language: string[] | null;
  location: string | null;
}

/** A part of `type` that says nothing else. */
export function partOfType(type: string): PartFields {
  return { type, charset: null, name: null, disposition: null, cid: null, language: null, location: null };
}

/** One MIME entity of a message (RFC 8621 §4.1.4), with its encoded body kept by offset. */
export interface MimePart extends PartFields {
  /** Null for a multipart: RFC 8621 gives ids to leaf parts only. */
  partId: string | null;
  headers: RawHeader[];
  transferEncoding: string;
  /** The encoded body: the bytes between the header block and the part's end. */
  body: Buffer;
  subParts: MimePart[] | null;
}

/** Multiparts nested deeper than this are kept as one part whose content is not read further. */
export const MAX_PART_DEPTH = 32;
/** A message with more parts than this has the rest left out of its structure. */
export const MAX_PARTS = 2000;
/** Body-structure part ids carry this prefix, so they never meet the ids of the stored text bodies. */
export const STRUCTURE_PART_PREFIX = 'p';

/** Reads the full MIME tree of a raw message. Never throws: malformed structure becomes leaf parts. */
export function parseBodyStructure(raw: Buffer): MimePart {
  const counter = { leaves: 0, parts: 0 };
  return parseEntity(raw, 0, 'text/plain', counter);
}

/** The header fields of a raw message (or entity), in order. */
export function readHeaders(entity: Buffer): { headers: RawHeader[]; bodyStart: number } {
  const { headerEnd, bodyStart } = splitHeaderBlock(entity);
  const block = entity.subarray(0, headerEnd).toString('utf8');
  const headers: RawHeader[] = [];
  for (const line of block.split(/(?<=\n)/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1) });
  }
  for (const header of headers) header.value = header.value.replace(/\r?\n$/, '');
  return { headers, bodyStart };
}

function splitHeaderBlock(entity: Buffer): { headerEnd: number; bodyStart: number } {
  // A body may start at once (no header fields, just the empty line).
  if (entity[0] === 0x0a) return { headerEnd: 0, bodyStart: 1 };
  if (entity[0] === 0x0d && entity[1] === 0x0a) return { headerEnd: 0, bodyStart: 2 };
  const crlf = entity.indexOf('\r\n\r\n');
  const lf = entity.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf + 2, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf + 1, bodyStart: lf + 2 };
  return { headerEnd: entity.length, bodyStart: entity.length };
}

function parseEntity(
  entity: Buffer,
  depth: number,
  defaultType: string,
  counter: { leaves: number; parts: number },
): MimePart {
  counter.parts += 1;
  const { headers, bodyStart } = readHeaders(entity);
  const last = (name: string): string | undefined => {
    for (let index = headers.length - 1; index >= 0; index -= 1) {
      if (headers[index]!.name.toLowerCase() === name) return headers[index]!.value;
    }
    return undefined;
  };
  const contentType = parseParameters(last('content-type'));
  let type = contentType?.value.toLowerCase() ?? defaultType;
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) type = defaultType;
  const disposition = parseParameters(last('content-disposition'));
  const body = entity.subarray(bodyStart);
  const transferEncoding = (last('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const base = {
    headers,
    type,
    name: decodeText(disposition?.params['filename'] ?? contentType?.params['name']),
    disposition: disposition?.value ? disposition.value.toLowerCase() : null,
    cid: cidOf(last('content-id')),
    language: languageOf(last('content-language')),
    location: last('content-location')?.trim() || null,
    transferEncoding,
    body,
  };
  if (type.startsWith('multipart/')) {
    const boundary = contentType?.params['boundary'];
    const subParts: MimePart[] = [];
    if (boundary && depth < MAX_PART_DEPTH) {
      const childType = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (const child of splitMultipart(body, boundary)) {
        if (counter.parts >= MAX_PARTS) break;
        subParts.push(parseEntity(child, depth + 1, childType, counter));
      }
    }
    return { ...base, partId: null, charset: null, subParts };
  }
  counter.leaves += 1;
  const charset = type.startsWith('text/')
    ? (contentType?.params['charset']?.trim().toLowerCase() ?? 'us-ascii')
    : (contentType?.params['charset']?.trim().toLowerCase() ?? null);
  return {
    ...base,
    partId: `${STRUCTURE_PART_PREFIX}${counter.leaves}`,
    charset,
    subParts: null,
  };
}

/** The bodies between `--boundary` delimiter lines; the preamble and epilogue are not parts. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start = -1;
  let position = 0;
  while (position <= text.length) {
    const found = text.indexOf(delimiter, position);
    if (found < 0) break;
    const atLineStart = found === 0 || text[found - 1] === '\n';
    if (!atLineStart) {
      position = found + delimiter.length;
      continue;
    }
    const lineEnd = text.indexOf('\n', found);
    const afterDelimiter = text.slice(found + delimiter.length, lineEnd < 0 ? text.length : lineEnd);
    if (!/^(--)?[ \t\r]*$/.test(afterDelimiter)) {
      position = found + delimiter.length;
      continue;
    }
    if (start >= 0) {
      // The line break before the delimiter belongs to the delimiter.
      let end = found;
      if (end > start && text[end - 1] === '\n') end -= 1;
      if (end > start && text[end - 1] === '\r') end -= 1;
      parts.push(body.subarray(start, Math.max(start, end)));
    }
    if (afterDelimiter.startsWith('--')) return parts;
    start = lineEnd < 0 ? text.length : lineEnd + 1;
    position = start;
  }
  // No close delimiter: the last part runs to the end.
  if (start >= 0) parts.push(body.subarray(start));
  return parts;
}

function parseParameters(
  value: string | undefined,
): { value: string; params: Record<string, string | undefined> } | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = libmime.parseHeaderValue(value.replace(/\r?\n[ \t]/g, ' '));
    return { value: parsed.value.trim(), params: parsed.params as Record<string, string | undefined> };
  } catch {
    return undefined;
  }
}

function cidOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const trimmed = value.replace(/\r?\n[ \t]/g, ' ').trim();
  const bracketed = /^<([^<>]*)>$/.exec(trimmed);
  return (bracketed ? bracketed[1]! : trimmed) || null;
}

function languageOf(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const tags = value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
  return tags.length > 0 ? tags : null;
}

/** Unfolds a header value and decodes RFC 2047 encoded words; null for no value. */
export function decodeText(value: string | undefined): string | null {
  if (value === undefined) return null;
  const unfolded = value.replace(/\r?\n(?=[ \t])/g, '');
  try {
    return libmime.decodeWords(unfolded).trim();
  } catch {
    return unfolded.trim();
  }
}

/** The bytes a part's blob holds: its body with the transfer encoding undone. */
export function decodePartBody(part: MimePart): { data: Buffer; isEncodingProblem: boolean } {
  switch (part.transferEncoding) {
    case 'base64': {
      const text = part.body.toString('latin1');
      const isEncodingProblem = /[^A-Za-z0-9+/=\s]/.test(text);
      return { data: Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64'), isEncodingProblem };
    }
    case 'quoted-printable':
      return { data: libqp.decode(part.body.toString('latin1')), isEncodingProblem: false };
    default:
      return { data: part.body, isEncodingProblem: false };
  }
}

const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** A text part's content as a string, decoded from its charset; flags bytes the charset cannot read. */
export function decodePartText(part: MimePart): { value: string; isEncodingProblem: boolean } {
  const { data, isEncodingProblem } = decodePartBody(part);
  const charset = part.charset ?? 'us-ascii';
  if (UTF8_CHARSETS.has(charset)) {
    try {
      return { value: new TextDecoder('utf-8', { fatal: true }).decode(data), isEncodingProblem };
    } catch {
      return { value: data.toString('utf8'), isEncodingProblem: true };
    }
  }
  if (!iconv.encodingExists(charset)) return { value: data.toString('utf8'), isEncodingProblem: true };
  const value = iconv.decode(data, charset);
  return { value, isEncodingProblem: isEncodingProblem || value.includes('\uFFFD') };
}

/** Every part of a tree, depth first. */
export function* walkParts(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.subParts ?? []) yield* walkParts(child);
}

/** The leaf part with this id, if any. */
export function findPart(root: MimePart, partId: string): MimePart | undefined {
  for (const part of walkParts(root)) if (part.partId === partId) return part;
  return undefined;
}
