import MimeNode from 'nodemailer/lib/mime-node';
import { isObject } from '@pushmail/jmap';
import { type HeaderForm, parseHeaderProperty } from '../jmap/methods/header-properties.js';

/** One header field an Email/set create gives through a `header:*` property, its value encoded. */
export interface DraftHeader {
  /** Lower case, as the create named it: for conflicts. */
  name: string;
  /** As the create spelled it. */
  field: string;
  /** The field's value as it goes into the message, after `Name:`. */
  value: string;
  /** Whether the composer may fold it (a raw value is written as given). */
  fold: boolean;
}

/** nodemailer's own header encoding (addresses, RFC 2047 words, dates), which its types leave out. */
const encodeFor = (key: string, value: unknown): string =>
  (MimeNode as unknown as { encodeHeaderValue(key: string, value: unknown): string }).encodeHeaderValue(
    key,
    value,
  );

/** Longest value, in characters, a create may give one header field. */
export const MAX_HEADER_VALUE = 10_000;

export type DraftHeadersOutcome = { ok: true; headers: DraftHeader[] } | { ok: false; properties: string[] };

/**
 * Reads the `header:*` properties of an Email or an EmailBodyPart being created (RFC 8621 §4.6):
 * a well-formed name in a form the field allows, a value of that form (a list of them with `:all`),
 * no field given twice. Each value is encoded for the message: RFC 2047 encoded words for text
 * that is not ASCII, addresses and their display names as the composer writes its own, folding
 * left to the composer. `null` gives no field.
 */
export function readDraftHeaders(value: Record<string, unknown>): DraftHeadersOutcome {
  const headers: DraftHeader[] = [];
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const [key, given] of Object.entries(value)) {
    if (!key.startsWith('header:')) continue;
    let property;
    try {
      property = parseHeaderProperty(key);
    } catch {
      property = undefined;
    }
    if (!property || seen.has(property.name)) {
      bad.push(key);
      continue;
    }
    seen.add(property.name);
    const values = property.all ? (Array.isArray(given) ? given : undefined) : [given];
    const encoded = values?.map((one) => (one === null ? null : encodeHeaderValue(one, property.form)));
    if (!encoded || encoded.some((one) => one === undefined) || (property.all && encoded.includes(null))) {
      bad.push(key);
      continue;
    }
    const field = key.slice('header:'.length).split(':')[0]!;
    for (const one of encoded) {
      if (one !== null && one !== undefined) {
        headers.push({ name: property.name, field, value: one, fold: property.form !== 'Raw' });
      }
    }
  }
  return bad.length > 0 ? { ok: false, properties: bad } : { ok: true, headers };
}

/** The names of `header:*` properties among the keys of an object, lower case. */
export function headerPropertyNames(value: Record<string, unknown>): string[] {
  return Object.keys(value)
    .filter((key) => key.startsWith('header:'))
    .map((key) => key.slice('header:'.length).split(':')[0]!.toLowerCase());
}

const CONTROL = /[\u0000-\u001f\u007f]/;
/** A raw value: no control character but a tab, lines joined only by CRLF and white space. */
const RAW = /^(?:[^\u0000-\u001f\u007f]|\t|\r\n[ \t])*$/;
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MESSAGE_ID = /^[^\s<>()]{1,512}$/;
const URL = /^[^\s<>]{1,2048}$/;

/** undefined: a value the form does not allow. */
function encodeHeaderValue(value: unknown, form: HeaderForm): string | undefined {
  switch (form) {
    case 'Raw':
      if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || !RAW.test(value)) return undefined;
      // The raw value starts after the colon; the composer writes one space there itself.
      return value.startsWith(' ') ? value.slice(1) : value;
    case 'Text':
      if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || CONTROL.test(value))
        return undefined;
      return encodeFor('X-Text', value);
    case 'Addresses': {
      const list = addressList(value);
      return list === undefined ? undefined : encodeFor('To', list);
    }
    case 'GroupedAddresses': {
      if (!Array.isArray(value) || value.length > 1000) return undefined;
      const groups: string[] = [];
      for (const group of value) {
        if (!isObject(group)) return undefined;
        const list = addressList(group['addresses']);
        const name = group['name'];
        if (list === undefined || (name !== null && name !== undefined && typeof name !== 'string')) {
          return undefined;
        }
        if (typeof name === 'string' && CONTROL.test(name)) return undefined;
        const members = list.length > 0 ? encodeFor('To', list) : '';
        groups.push(name == null ? members : `${displayName(name)}:${members};`);
      }
      return groups.filter((group) => group !== '').join(', ');
    }
    case 'MessageIds':
      if (!Array.isArray(value) || value.length === 0 || value.length > 1000) return undefined;
      if (!value.every((id) => typeof id === 'string' && MESSAGE_ID.test(id))) return undefined;
      return value.map((id) => `<${id as string}>`).join(' ');
    case 'Date': {
      if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) return undefined;
      return rfc5322Date(value);
    }
    case 'URLs':
      if (!Array.isArray(value) || value.length === 0 || value.length > 1000) return undefined;
      if (!value.every((url) => typeof url === 'string' && URL.test(url))) return undefined;
      return value.map((url) => `<${url as string}>`).join(', ');
  }
}

function addressList(value: unknown): Array<{ name: string; address: string }> | undefined {
  if (!Array.isArray(value) || value.length > 1000) return undefined;
  const list: Array<{ name: string; address: string }> = [];
  for (const item of value) {
    if (
      !isObject(item) ||
      typeof item['email'] !== 'string' ||
      !/^[^\s@<>,;]+@[^\s@<>,;]+$/.test(item['email'])
    ) {
      return undefined;
    }
    const name = item['name'];
    if (name !== undefined && name !== null && (typeof name !== 'string' || CONTROL.test(name)))
      return undefined;
    list.push({ name: (name as string | null | undefined) ?? '', address: item['email'] });
  }
  return list;
}

/** A group's display name: as is when it is atoms, quoted when ASCII, encoded words otherwise. */
function displayName(name: string): string {
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}"`;
  return encodeFor('X-Text', name);
}

/** An RFC 3339 date as an RFC 5322 date-time in the same offset, so the sender's zone is kept. */
function rfc5322Date(value: string): string {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const minutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  const local = new Date(Date.parse(value) + minutes * 60_000).toUTCString().replace(/ GMT$/, '');
  const zone = offset ? `${offset[1]}${offset[2]}${offset[3]}` : '+0000';
  return `${local} ${zone}`;
}
