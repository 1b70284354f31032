import { bodyLists } from './body-lists.js';
import {
  decodePartBody,
  decodePartText,
  type MimePart,
  type PartFields,
  parseBodyStructure,
  type RawHeader,
  readHeaders,
} from './body-structure.js';

/**
 * One EmailBodyPart (RFC 8621 §4.1.4) as the store keeps it: what the default `bodyProperties` show
 * (the blobId is the message's and the part id's), without the header fields.
 */
export interface StoredPart extends PartFields {
  /** Null for a multipart: RFC 8621 gives ids to leaf parts only. */
  partId: string | null;
  /** The decoded body's length in bytes; 0 for a multipart. */
  size: number;
  subParts: StoredPart[] | null;
}

/** A text part's content, decoded from its transfer encoding and charset. */
export interface BodyValue {
  value: string;
  isEncodingProblem: boolean;
}

/**
 * What the store keeps of a message's MIME structure when it stores the message, so that Email/get
 * serves the body lists and the text a reader shows without reading the message again: the part
 * tree, and the decoded text of the parts in `textBody` and `htmlBody` (by part id).
 */
export interface StoredBody {
  structure: StoredPart;
  values: Record<string, BodyValue>;
}

/** A part as Email/get shows it: stored, or read from the message with its header fields. */
export interface ViewPart extends StoredPart {
  /** The part's header fields: there only when the message itself was read. */
  headers?: RawHeader[];
  subParts: ViewPart[] | null;
}

/** What Email/get reads the body properties of one email from. */
export interface EmailBody {
  structure: ViewPart;
  /** The message's header fields: null when only the stored parts were read. */
  headers: RawHeader[] | null;
  /** A text part's content, when it is at hand: undefined when only the message holds it. */
  value(part: ViewPart): BodyValue | undefined;
}

/** The stored parts of a message, as Email/get reads them. */
export function storedEmailBody(structure: StoredPart, values: Record<string, BodyValue> | null): EmailBody {
  return {
    structure,
    headers: null,
    value: (part) => (part.partId === null ? undefined : values?.[part.partId]),
  };
}

/** The body of a raw message, read in full: every part with its header fields and its content. */
export function readEmailBody(raw: Buffer): EmailBody {
  const read = new Map<ViewPart, MimePart>();
  const view = (part: MimePart): ViewPart => {
    const viewed: ViewPart = {
      partId: part.partId,
      size: part.subParts === null ? decodePartBody(part).data.length : 0,
      headers: part.headers,
      name: part.name,
      type: part.type,
      charset: part.charset,
      disposition: part.disposition,
      cid: part.cid,
      language: part.language,
      location: part.location,
      subParts: part.subParts === null ? null : part.subParts.map(view),
    };
    read.set(viewed, part);
    return viewed;
  };
  const values = new Map<ViewPart, BodyValue>();
  return {
    structure: view(parseBodyStructure(raw)),
    headers: readHeaders(raw).headers,
    value: (part) => {
      const mime = read.get(part);
      if (mime === undefined || part.partId === null || !part.type.startsWith('text/')) return undefined;
      let value = values.get(part);
      if (value === undefined) values.set(part, (value = decodePartText(mime)));
      return value;
    },
  };
}

/**
 * What the store keeps of a message's body (see StoredBody). A value that the store could not hold
 * as it is (a NUL) is left out: Email/get reads it from the message, as it reads every other part.
 */
export function storedBody(raw: Buffer): StoredBody {
  return storedBodyOf(readEmailBody(raw));
}

/** The stored form of a body read from the message. */
export function storedBodyOf(body: EmailBody): StoredBody {
  const lists = bodyLists(body.structure);
  const values: Record<string, BodyValue> = {};
  for (const part of [...lists.textBody, ...lists.htmlBody]) {
    const value = body.value(part);
    if (value === undefined || part.partId === null || value.value.includes('\u0000')) continue;
    values[part.partId] = { value: value.value.toWellFormed(), isEncodingProblem: value.isEncodingProblem };
  }
  return { structure: withoutHeaders(body.structure), values };
}

function withoutHeaders({ headers: _notStored, subParts, ...fields }: ViewPart): StoredPart {
  return { ...fields, subParts: subParts === null ? null : subParts.map(withoutHeaders) };
}
