import { isObject } from '@pushmail/jmap';
import libmime from 'libmime';
import { type PartFields, partOfType } from '../../mime/body-structure.js';
import { type DraftHeader, readDraftHeaders } from '../../mime/draft-headers.js';

/** One part of a message an Email/set create describes (RFC 8621 §4.6), its content still a reference. */
export interface DraftPart extends PartFields {
  /** A multipart's parts; null for a leaf. */
  subParts: DraftPart[] | null;
  /** A leaf's content: text from `bodyValues`, or an uploaded blob. */
  content: { text: string } | { blobId: string } | null;
  /** Header fields the part gives as `header:*` properties (never Content-Type: see `params`). */
  headers?: DraftHeader[];
  /**
   * Content-Type parameters a part's own `header:Content-Type` gave besides those the server writes
   * (`charset`, `name`, `boundary`), e.g. `format=flowed`: written after the type.
   */
  params?: Record<string, string>;
}

/**
 * The header field each part property stands for (RFC 8621 §4.1.4, §4.6): giving both is refused.
 * A part gives its Content-Type either as `type` (and `charset`) or as `header:Content-Type`, which
 * then sets them; Content-Transfer-Encoding is the server's to choose (§4.6), never given.
 */
const PART_FIELDS: Record<string, string[]> = {
  'content-type': ['type', 'charset'],
  'content-transfer-encoding': ['*'],
  'content-disposition': ['disposition', 'name'],
  'content-id': ['cid'],
  'content-language': ['language'],
  'content-location': ['location'],
};

/** `maxSizeAttachmentsPerEmail` of the mail capability the session advertises: past it, tooLarge. */
export const MAX_ATTACHMENTS_BYTES = 50_000_000;

/** A structure nested deeper or with more parts than these is refused (never walked further). */
export const MAX_DRAFT_DEPTH = 16;
export const MAX_DRAFT_PARTS = 256;

/** What a leaf may say besides its content, and what a multipart may say. */
const LEAF_PROPERTIES = new Set([
  'partId',
  'blobId',
  'type',
  'charset',
  'name',
  'disposition',
  'cid',
  'language',
  'location',
  'size',
]);
const MULTIPART_PROPERTIES = new Set([
  'type',
  'subParts',
  'partId',
  'blobId',
  'size',
  'disposition',
  'location',
]);

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,128}$/;
const TOKEN = /^[\x21-\x7e]{1,255}$/;

export type DraftStructureOutcome = { ok: true; part: DraftPart } | { ok: false; problem: string };

/**
 * Reads `bodyStructure` of an Email/set create. Text parts refer to `bodyValues` by `partId`, other
 * parts to uploaded blobs by `blobId`; `Content-Transfer-Encoding` is the server's to choose, so
 * headers are not taken. Walks at most MAX_DRAFT_PARTS parts, MAX_DRAFT_DEPTH deep.
 */
export function readDraftStructure(
  value: unknown,
  bodyValues: Record<string, unknown>,
): DraftStructureOutcome {
  const counter = { parts: 0 };
  try {
    return { ok: true, part: readPart(value, bodyValues, 0, counter) };
  } catch (error) {
    if (error instanceof DraftStructureProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

/** A leaf of `type` whose content is text from bodyValues or a blob: a textBody/htmlBody entry. */
export function readBodyLeaf(
  value: unknown,
  type: string,
  bodyValues: Record<string, unknown>,
): DraftStructureOutcome {
  if (isObject(value) && value['type'] !== undefined && String(value['type']).toLowerCase() !== type) {
    return { ok: false, problem: `must be ${type}` };
  }
  // A part that gives its own Content-Type keeps it (its parameters too), and it must say `type`.
  const ownType = isObject(value) && Object.keys(value).some((key) => /^header:content-type(:|$)/i.test(key));
  const outcome = readDraftStructure(isObject(value) && !ownType ? { ...value, type } : value, bodyValues);
  if (outcome.ok && outcome.part.subParts !== null) return { ok: false, problem: 'must not be a multipart' };
  if (outcome.ok && outcome.part.type !== type) return { ok: false, problem: `must be ${type}` };
  return outcome;
}

class DraftStructureProblem extends Error {}

function readPart(
  value: unknown,
  bodyValues: Record<string, unknown>,
  depth: number,
  counter: { parts: number },
): DraftPart {
  const fail = (problem: string): never => {
    throw new DraftStructureProblem(problem);
  };
  counter.parts += 1;
  if (counter.parts > MAX_DRAFT_PARTS) fail(`a body structure has at most ${MAX_DRAFT_PARTS} parts`);
  if (depth > MAX_DRAFT_DEPTH) fail(`a body structure nests at most ${MAX_DRAFT_DEPTH} deep`);
  if (!isObject(value)) return fail('a part must be an EmailBodyPart object');

  const headers = readDraftHeaders(value);
  if (!headers.ok)
    fail(`invalid header properties: ${headers.properties.slice(0, 5).map(printable).join(', ')}`);
  for (const header of headers.ok ? headers.headers : []) {
    const properties = PART_FIELDS[header.name];
    if (properties?.includes('*')) fail(`${printable(header.field)} is the server's to write`);
    const twice = properties?.find((property) => value[property] !== undefined && value[property] !== null);
    if (twice) fail(`${printable(header.field)} and "${twice}" give the same header field`);
  }
  const ownHeaders = headers.ok ? headers.headers : [];
  const contentType = ownContentType(ownHeaders, fail);

  const rawType = contentType?.type ?? value['type'];
  const isMultipart =
    Array.isArray(value['subParts']) ||
    (typeof rawType === 'string' && rawType.toLowerCase().startsWith('multipart/'));
  const allowed = isMultipart ? MULTIPART_PROPERTIES : LEAF_PROPERTIES;
  const unknown = Object.keys(value).filter(
    (key) =>
      !allowed.has(key) && !key.startsWith('header:') && !(key === 'headers' && isEmptyList(value[key])),
  );
  if (unknown.length > 0) {
    fail(`unsupported part properties: ${unknown.slice(0, 5).map(printable).join(', ')}`);
  }
  const optionalString = (key: string, pattern?: RegExp): string | null => {
    const entry = value[key];
    if (entry === undefined || entry === null) return null;
    if (
      typeof entry !== 'string' ||
      (pattern && !pattern.test(entry)) ||
      /[\u0000-\u001f\u007f]/.test(entry)
    ) {
      return fail(`"${key}" is invalid`);
    }
    return entry;
  };
  const written = ownHeaders.filter((header) => header.name !== 'content-type');
  const partHeaders = {
    ...(written.length > 0 ? { headers: written } : {}),
    ...(contentType && Object.keys(contentType.params).length > 0 ? { params: contentType.params } : {}),
  };
  const type = (
    contentType?.type ??
    optionalString('type') ??
    (isMultipart ? 'multipart/mixed' : 'text/plain')
  ).toLowerCase();
  if (!MEDIA_TYPE.test(type)) fail('"type" must be a media type');
  const disposition = optionalString('disposition', /^(attachment|inline)$/i)?.toLowerCase() ?? null;
  const location = optionalString('location', /^[\x21-\x7e]{1,998}$/);

  if (isMultipart) {
    if (!type.startsWith('multipart/')) fail('a part with subParts must be a multipart');
    if (value['partId'] != null || value['blobId'] != null) fail('a multipart has no partId nor blobId');
    const subParts = value['subParts'];
    if (!Array.isArray(subParts) || subParts.length === 0) return fail('a multipart needs subParts');
    return {
      ...partOfType(type),
      disposition,
      location,
      subParts: subParts.map((child) => readPart(child, bodyValues, depth + 1, counter)),
      content: null,
      ...partHeaders,
    };
  }

  const partId = value['partId'];
  const blobId = value['blobId'];
  const charset =
    (contentType ? contentType.charset : optionalString('charset', TOKEN))?.toLowerCase() ?? null;
  let content: DraftPart['content'];
  if (partId !== undefined && partId !== null) {
    // RFC 8621 §4.6: a partId names a bodyValues entry, text to be sent as UTF-8.
    if (blobId !== undefined && blobId !== null) fail('a part has a partId or a blobId, not both');
    if (typeof partId !== 'string') return fail('"partId" must be a string');
    if (!type.startsWith('text/')) fail('a part with a partId must be text/*');
    if (charset !== null && charset !== 'utf-8') fail('a part with a partId is UTF-8: leave "charset" out');
    const body = bodyValues[partId];
    if (!isObject(body) || typeof body['value'] !== 'string')
      return fail(`no bodyValues entry for "${partId.slice(0, 64)}"`);
    if (body['isTruncated'] === true || body['isEncodingProblem'] === true) {
      fail('bodyValues used to create must not be truncated or have an encoding problem');
    }
    content = { text: body['value'] };
  } else if (typeof blobId === 'string' && TOKEN.test(blobId)) {
    content = { blobId };
  } else {
    return fail('a leaf part needs a partId or a blobId');
  }
  const language = value['language'];
  if (
    language !== undefined &&
    language !== null &&
    !(
      Array.isArray(language) &&
      language.length <= 32 &&
      language.every((tag) => typeof tag === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(tag))
    )
  ) {
    fail('"language" must be a list of language tags');
  }
  const name = optionalString('name');
  if (name !== null && contentType?.name != null) fail('"name" and the name parameter of Content-Type');
  return {
    type,
    charset: partId !== undefined && partId !== null ? 'utf-8' : charset,
    name: name ?? contentType?.name ?? null,
    disposition,
    cid: optionalString('cid', /^[^\s<>]{1,255}$/),
    language: (language as string[] | null | undefined) ?? null,
    location,
    subParts: null,
    content,
    ...partHeaders,
  };
}

/** What a part's own `header:Content-Type` says, split as the part properties say it. */
interface OwnContentType {
  type: string;
  charset: string | null;
  name: string | null;
  params: Record<string, string>;
}

/** Parameters the server writes itself: the boundary it picks, the charset and name it is given. */
const SERVER_PARAMS = new Set(['boundary', 'charset', 'name']);

/**
 * A part's `header:Content-Type` (in any form it may take: raw or text), read as a MIME parser
 * reads the field: its media type, charset and name, and its other parameters. None when the part
 * gives none; one field at most.
 */
function ownContentType(
  headers: readonly DraftHeader[],
  fail: (problem: string) => never,
): OwnContentType | null {
  const fields = headers.filter((header) => header.name === 'content-type');
  if (fields.length === 0) return null;
  if (fields.length > 1) fail('a part has one Content-Type');
  const parsed = libmime.parseHeaderValue(fields[0]!.value.replace(/\r\n[ \t]/g, ' '));
  const type = parsed.value.trim().toLowerCase();
  if (!MEDIA_TYPE.test(type)) fail('header:Content-Type must start with a media type');
  const params: Record<string, string> = {};
  let count = 0;
  for (const [key, raw] of Object.entries(parsed.params)) {
    const paramName = key.toLowerCase();
    // A parameter may be RFC 2047 encoded (as clients write a name); RFC 2231 is decoded by the parser.
    const paramValue = libmime.decodeWords(String(raw));
    if (!/^[a-z0-9!#$&^_.+-]{1,64}$/.test(paramName) || /[\u0000-\u001f\u007f]/.test(paramValue))
      fail('header:Content-Type has an invalid parameter');
    if ((count += 1) > 32) fail('header:Content-Type has at most 32 parameters');
    if (!SERVER_PARAMS.has(paramName)) params[paramName] = paramValue;
  }
  const charset = parsed.params['charset'] ?? null;
  if (charset !== null && !TOKEN.test(charset)) fail('header:Content-Type has an invalid charset');
  const name = parsed.params['name'];
  return { type, charset, name: name === undefined ? null : libmime.decodeWords(name), params };
}

function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** Every blob a structure refers to, in order. */
export function draftBlobIds(part: DraftPart): string[] {
  if (part.subParts) return part.subParts.flatMap(draftBlobIds);
  return part.content && 'blobId' in part.content ? [part.content.blobId] : [];
}

/**
 * The structure RFC 8621 §4.6 gives a create made of `textBody`, `htmlBody` and `attachments`:
 * the two bodies as multipart/alternative, the attachments around them as multipart/mixed.
 */
export function structureOfBodies(
  text: DraftPart | null,
  html: DraftPart | null,
  attachments: DraftPart[],
): DraftPart {
  const bodies = [text, html].filter((part): part is DraftPart => part !== null);
  const multipart = (type: string, subParts: DraftPart[]): DraftPart => ({
    ...partOfType(type),
    subParts,
    content: null,
  });
  const body: DraftPart =
    bodies.length === 0
      ? { ...partOfType('text/plain'), charset: 'utf-8', subParts: null, content: { text: '' } }
      : bodies.length === 1
        ? bodies[0]!
        : multipart('multipart/alternative', bodies);
  return attachments.length === 0 ? body : multipart('multipart/mixed', [body, ...attachments]);
}
