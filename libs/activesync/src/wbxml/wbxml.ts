import { CODE_PAGES } from './code-pages.js';

/** The ActiveSync code pages by name ([MS-ASWBXML] 2.1.2.1). */
export type CodePageName = keyof typeof CODE_PAGES;

/** A child of an element: another element, text (STR_I) or opaque bytes (OPAQUE). */
export type WbxmlNode = WbxmlElement | string | Uint8Array;

export interface WbxmlElement {
  page: CodePageName;
  tag: string;
  children: WbxmlNode[];
}

export type WbxmlErrorReason =
  | 'truncated'
  | 'unsupported-version'
  | 'bad-multibyte-integer'
  | 'unsupported-charset'
  | 'unsupported-string-table'
  | 'unknown-code-page'
  | 'unknown-tag'
  | 'unsupported-attributes'
  | 'unsupported-token'
  | 'invalid-utf8'
  | 'content-outside-element'
  | 'unbalanced-end'
  | 'missing-root'
  | 'trailing-data'
  | 'depth-limit'
  | 'node-limit'
  | 'invalid-text'
  | 'malformed';

/** A document that cannot be encoded or decoded; `reason` says why in one stable word. */
export class WbxmlError extends Error {
  constructor(
    readonly reason: WbxmlErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'WbxmlError';
  }
}

export interface WbxmlLimits {
  /** Deepest element nesting accepted (the root is depth 1). */
  maxDepth?: number;
  /** Most nodes (elements, texts, opaque blocks) accepted in one document. */
  maxNodes?: number;
}

export const DEFAULT_WBXML_LIMITS: Required<WbxmlLimits> = { maxDepth: 64, maxNodes: 100_000 };

const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const OPAQUE = 0xc3;
const HAS_CONTENT = 0x40;
const HAS_ATTRIBUTES = 0x80;
const WBXML_1_3 = 0x03;
const PUBLIC_ID_UNKNOWN = 0x01;
const CHARSET_UTF8 = 106;

const PAGE_NAMES = Object.keys(CODE_PAGES) as CodePageName[];
const pageById = new Map<number, CodePageName>(PAGE_NAMES.map((name) => [CODE_PAGES[name].id, name]));
const tokenByTag = new Map<CodePageName, Map<string, number>>(
  PAGE_NAMES.map((name) => [name, new Map(Object.entries(CODE_PAGES[name].tags))]),
);
const tagByToken = new Map<CodePageName, Map<number, string>>(
  PAGE_NAMES.map((name) => [
    name,
    new Map(Object.entries(CODE_PAGES[name].tags).map(([tag, token]) => [token, tag])),
  ]),
);

/** Whether `page` names an ActiveSync code page. */
export function isCodePageName(page: string): page is CodePageName {
  return Object.hasOwn(CODE_PAGES, page);
}

/** The code page's number, and the tag's token within it; undefined for a tag the page lacks. */
export function tokenOf(page: CodePageName, tag: string): { page: number; token: number } | undefined {
  const token = tokenByTag.get(page)?.get(tag);
  return token === undefined ? undefined : { page: CODE_PAGES[page].id, token };
}

/** Every tag of every code page: the vocabulary the codec accepts. */
export function allTags(): Array<{ page: CodePageName; tag: string; token: number }> {
  return PAGE_NAMES.flatMap((page) =>
    Object.entries(CODE_PAGES[page].tags).map(([tag, token]) => ({ page, tag, token: token as number })),
  );
}

// ---------------------------------------------------------------------------------------------
// Encoding

class ByteWriter {
  private buffer = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** A string as UTF-8 followed by the NUL that ends an inline string. */
  inlineString(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.reserve(length + 1);
    this.buffer.write(value, this.length, length, 'utf8');
    this.length += length;
    this.buffer[this.length++] = 0;
  }

  multibyteInt(value: number): void {
    const groups: number[] = [value & 0x7f];
    let rest = Math.floor(value / 128);
    while (rest > 0) {
      groups.unshift((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    for (const group of groups) this.byte(group);
  }

  result(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

/**
 * Encodes a document as WBXML 1.3 with public id 1 (unknown), charset UTF-8 and an empty string
 * table, as [MS-ASWBXML] prescribes. Throws WbxmlError for a tag a code page lacks or text that
 * cannot travel as an inline string (a NUL character, a lone surrogate).
 */
export function encodeWbxml(root: WbxmlElement): Buffer {
  const out = new ByteWriter();
  out.byte(WBXML_1_3);
  out.multibyteInt(PUBLIC_ID_UNKNOWN);
  out.multibyteInt(CHARSET_UTF8);
  out.multibyteInt(0);
  let currentPage = 0;

  const encodeElement = (element: WbxmlElement, depth: number): void => {
    if (depth > DEFAULT_WBXML_LIMITS.maxDepth) {
      throw new WbxmlError('depth-limit', `elements nest deeper than ${DEFAULT_WBXML_LIMITS.maxDepth}`);
    }
    if (!isCodePageName(element.page)) {
      throw new WbxmlError('unknown-code-page', `unknown code page ${String(element.page)}`);
    }
    const token = tokenByTag.get(element.page)?.get(element.tag);
    if (token === undefined) {
      throw new WbxmlError('unknown-tag', `code page ${element.page} has no tag ${String(element.tag)}`);
    }
    const pageId = CODE_PAGES[element.page].id;
    if (pageId !== currentPage) {
      out.byte(SWITCH_PAGE);
      out.byte(pageId);
      currentPage = pageId;
    }
    if (element.children.length === 0) {
      out.byte(token);
      return;
    }
    out.byte(token | HAS_CONTENT);
    for (const node of element.children) {
      if (typeof node === 'string') {
        if (node.includes('\0')) throw new WbxmlError('invalid-text', 'text may not contain a NUL character');
        if (!node.isWellFormed()) throw new WbxmlError('invalid-text', 'text contains a lone surrogate');
        out.byte(STR_I);
        out.inlineString(node);
      } else if (node instanceof Uint8Array) {
        out.byte(OPAQUE);
        out.multibyteInt(node.length);
        out.bytes(node);
      } else {
        encodeElement(node, depth + 1);
      }
    }
    out.byte(END);
  };

  encodeElement(root, 1);
  return out.result();
}

// ---------------------------------------------------------------------------------------------
// Decoding

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class ByteReader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  byte(what: string): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new WbxmlError('truncated', `document ends inside ${what}`);
    this.offset++;
    return value;
  }

  /** mb_u_int32 (WBXML 1.3 §5.1): at most five bytes, at most 2^32 - 1. */
  multibyteInt(what: string): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new WbxmlError('bad-multibyte-integer', `${what} exceeds 32 bits`);
        return value;
      }
    }
    throw new WbxmlError('bad-multibyte-integer', `${what} is longer than five bytes`);
  }

  inlineString(): string {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0) throw new WbxmlError('truncated', 'document ends inside an inline string');
    const raw = this.bytes.subarray(this.offset, end);
    this.offset = end + 1;
    try {
      return strictUtf8.decode(raw);
    } catch {
      throw new WbxmlError('invalid-utf8', 'an inline string is not valid UTF-8');
    }
  }

  opaque(): Uint8Array {
    const length = this.multibyteInt('an opaque length');
    if (length > this.remaining) throw new WbxmlError('truncated', 'document ends inside opaque data');
    const data = new Uint8Array(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return data;
  }
}

/**
 * Decodes an ActiveSync WBXML document. Throws WbxmlError (never anything else) for truncated or
 * malformed input, an unknown code page or token, a string table, attributes or global tokens
 * ActiveSync does not use, and documents deeper or larger than the limits. Work is linear in the
 * input's length.
 */
export function decodeWbxml(bytes: Uint8Array, limits?: WbxmlLimits): WbxmlElement {
  const maxDepth = limits?.maxDepth ?? DEFAULT_WBXML_LIMITS.maxDepth;
  const maxNodes = limits?.maxNodes ?? DEFAULT_WBXML_LIMITS.maxNodes;
  try {
    return decode(bytes, maxDepth, maxNodes);
  } catch (error) {
    if (error instanceof WbxmlError) throw error;
    // Defence in depth: the contract is that only WbxmlError leaves this function.
    throw new WbxmlError(
      'malformed',
      `undecodable document: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }
}

function decode(bytes: Uint8Array, maxDepth: number, maxNodes: number): WbxmlElement {
  if (!(bytes instanceof Uint8Array)) throw new WbxmlError('malformed', 'a document must be bytes');
  const reader = new ByteReader(bytes);
  const version = reader.byte('the version');
  if (version < 0x01 || version > 0x03) {
    throw new WbxmlError(
      'unsupported-version',
      `WBXML version byte 0x${version.toString(16)} is not 1.1 to 1.3`,
    );
  }
  const publicId = reader.multibyteInt('the public identifier');
  if (publicId === 0) {
    // A public id given as a string-table index: ActiveSync documents have no string table.
    reader.multibyteInt('the public identifier index');
    throw new WbxmlError('unsupported-string-table', 'the public identifier refers to a string table');
  }
  const charset = reader.multibyteInt('the charset');
  if (charset !== CHARSET_UTF8) {
    throw new WbxmlError('unsupported-charset', `charset ${charset} is not UTF-8 (106)`);
  }
  const stringTableLength = reader.multibyteInt('the string table length');
  if (stringTableLength !== 0) {
    throw new WbxmlError('unsupported-string-table', 'ActiveSync documents have an empty string table');
  }

  let page: CodePageName = 'AirSync';
  let root: WbxmlElement | undefined;
  const open: WbxmlElement[] = [];
  let nodes = 0;
  const count = (): void => {
    if (++nodes > maxNodes) throw new WbxmlError('node-limit', `document has more than ${maxNodes} nodes`);
  };

  while (reader.remaining > 0) {
    if (root && open.length === 0) throw new WbxmlError('trailing-data', 'bytes follow the root element');
    const b = reader.byte('a token');
    const parent = open[open.length - 1];
    switch (b) {
      case SWITCH_PAGE: {
        const id = reader.byte('a page switch');
        const next = pageById.get(id);
        if (!next) throw new WbxmlError('unknown-code-page', `unknown code page ${id}`);
        page = next;
        continue;
      }
      case END:
        if (!parent) throw new WbxmlError('unbalanced-end', 'END outside any element');
        open.pop();
        continue;
      case STR_I: {
        if (!parent) throw new WbxmlError('content-outside-element', 'text outside the root element');
        count();
        parent.children.push(reader.inlineString());
        continue;
      }
      case OPAQUE: {
        if (!parent) throw new WbxmlError('content-outside-element', 'opaque data outside the root element');
        count();
        parent.children.push(reader.opaque());
        continue;
      }
    }
    if ((b & 0x3f) < 0x05) {
      throw new WbxmlError('unsupported-token', `global token 0x${b.toString(16)} is not used by ActiveSync`);
    }
    if (b & HAS_ATTRIBUTES)
      throw new WbxmlError('unsupported-attributes', 'ActiveSync tags carry no attributes');
    const token = b & 0x3f;
    const tag = tagByToken.get(page)?.get(token);
    if (tag === undefined) {
      throw new WbxmlError('unknown-tag', `code page ${page} has no token 0x${token.toString(16)}`);
    }
    if (!parent && root) throw new WbxmlError('trailing-data', 'a second root element');
    count();
    const element: WbxmlElement = { page, tag, children: [] };
    if (parent) parent.children.push(element);
    else root = element;
    if (b & HAS_CONTENT) {
      if (open.length + 1 > maxDepth) {
        throw new WbxmlError('depth-limit', `elements nest deeper than ${maxDepth}`);
      }
      open.push(element);
    }
  }
  if (!root) throw new WbxmlError('missing-root', 'the document has no root element');
  if (open.length > 0) throw new WbxmlError('truncated', 'the document ends before its elements close');
  return root;
}

// ---------------------------------------------------------------------------------------------
// Building and reading trees

type ChildArg = WbxmlNode | WbxmlNode[] | undefined | null | false;

/**
 * Builds an element; undefined, null and false children are left out and arrays are flattened,
 * so optional parts read naturally: `el('AirSync', 'Status', status && String(status))`.
 * Throws WbxmlError for a tag the code page lacks.
 */
export function el(page: CodePageName, tag: string, ...children: ChildArg[]): WbxmlElement {
  if (!tokenByTag.get(page)?.has(tag)) {
    throw new WbxmlError('unknown-tag', `code page ${String(page)} has no tag ${tag}`);
  }
  const flat: WbxmlNode[] = [];
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) flat.push(...c);
    else flat.push(c);
  }
  return { page, tag, children: flat };
}

/**
 * `el` bound to one code page, for documents that stay on a page for long:
 * `const sync = elementsOf('AirSync'); sync('Collection', sync('SyncKey', '1'))`.
 */
export function elementsOf(page: CodePageName): (tag: string, ...children: ChildArg[]) => WbxmlElement {
  return (tag, ...children) => el(page, tag, ...children);
}

function isElement(node: WbxmlNode): node is WbxmlElement {
  return typeof node === 'object' && !(node instanceof Uint8Array);
}

/** The first child element named `tag` (in `page`, when given; in any page otherwise). */
export function child(e: WbxmlElement, tag: string, page?: CodePageName): WbxmlElement | undefined {
  for (const node of e.children) {
    if (isElement(node) && node.tag === tag && (page === undefined || node.page === page)) return node;
  }
  return undefined;
}

/** Every child element named `tag` (in `page`, when given; in any page otherwise), in order. */
export function children(e: WbxmlElement, tag: string, page?: CodePageName): WbxmlElement[] {
  return e.children.filter(
    (node): node is WbxmlElement =>
      isElement(node) && node.tag === tag && (page === undefined || node.page === page),
  );
}

/** The element's text children, concatenated; undefined for no element or an element without text. */
export function textOf(e: WbxmlElement | undefined): string | undefined {
  if (!e) return undefined;
  let text: string | undefined;
  for (const node of e.children) if (typeof node === 'string') text = (text ?? '') + node;
  return text;
}

/** The text of the first child element named `tag`. */
export function childText(e: WbxmlElement, tag: string, page?: CodePageName): string | undefined {
  return textOf(child(e, tag, page));
}

/** The element's opaque children, concatenated; undefined when it has none. */
export function opaqueOf(e: WbxmlElement | undefined): Uint8Array | undefined {
  if (!e) return undefined;
  const parts = e.children.filter((node): node is Uint8Array => node instanceof Uint8Array);
  if (parts.length === 0) return undefined;
  return new Uint8Array(Buffer.concat(parts));
}
