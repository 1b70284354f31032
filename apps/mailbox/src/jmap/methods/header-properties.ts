import { parseAddressHeader } from 'mailparser';
import { decodeText, type RawHeader } from '../../mime/body-structure.js';
import { messageIdsOf } from '../../mime/parse-message.js';
import { invalidArguments } from './arguments.js';

/** RFC 8621 §4.1.2: the forms a header field value can be parsed as. */
export const HEADER_FORMS = [
  'Raw',
  'Text',
  'Addresses',
  'GroupedAddresses',
  'MessageIds',
  'Date',
  'URLs',
] as const;
export type HeaderForm = (typeof HEADER_FORMS)[number];

export interface HeaderProperty {
  /** As requested: the property name in the answer. */
  property: string;
  /** Lower case, for matching. */
  name: string;
  form: HeaderForm;
  all: boolean;
}

const ADDRESS_HEADERS = [
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'resent-from',
  'resent-sender',
  'resent-reply-to',
  'resent-to',
  'resent-cc',
  'resent-bcc',
];
const MESSAGE_ID_HEADERS = ['message-id', 'in-reply-to', 'references', 'resent-message-id'];
const URL_HEADERS = [
  'list-help',
  'list-unsubscribe',
  'list-subscribe',
  'list-post',
  'list-owner',
  'list-archive',
];
const TEXT_HEADERS = ['subject', 'comments', 'keywords', 'list-id'];
const DATE_HEADERS = ['date', 'resent-date'];

/** §4.1.2: the forms a known header field may be asked for in; any other field may use any form. */
function formsAllowed(name: string): readonly HeaderForm[] {
  if (ADDRESS_HEADERS.includes(name)) return ['Raw', 'Addresses', 'GroupedAddresses'];
  if (MESSAGE_ID_HEADERS.includes(name)) return ['Raw', 'MessageIds'];
  if (URL_HEADERS.includes(name)) return ['Raw', 'URLs'];
  if (TEXT_HEADERS.includes(name)) return ['Raw', 'Text'];
  if (DATE_HEADERS.includes(name)) return ['Raw', 'Date'];
  return HEADER_FORMS;
}

/** RFC 5322 ftext: printable US-ASCII except the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,998}$/;

/**
 * Reads `header:{name}[:as{Form}][:all]`; undefined for a property that is not a header property.
 * A malformed one (control characters, an unknown form, a form the field does not allow) is
 * `invalidArguments`.
 */
export function parseHeaderProperty(property: string): HeaderProperty | undefined {
  if (!property.startsWith('header:')) return undefined;
  const pieces = property.slice('header:'.length).split(':');
  const fieldName = pieces.shift() ?? '';
  if (!FIELD_NAME.test(fieldName)) throw invalidArguments('a header property names an invalid header field');
  let form: HeaderForm = 'Raw';
  let all = false;
  if (pieces[pieces.length - 1] === 'all') {
    all = true;
    pieces.pop();
  }
  if (pieces.length > 1) throw invalidArguments(`invalid header property: ${printable(property)}`);
  if (pieces.length === 1) {
    const requested = pieces[0]!.startsWith('as') ? pieces[0]!.slice(2) : '';
    const known = HEADER_FORMS.find((candidate) => candidate === requested);
    if (!known) throw invalidArguments(`unknown header form in ${printable(property)}`);
    form = known;
  }
  const name = fieldName.toLowerCase();
  if (!formsAllowed(name).includes(form)) {
    throw invalidArguments(`header field ${fieldName} cannot be read as${form}`);
  }
  return { property, name, form, all };
}

function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** The value of a header property for a list of header fields (a message's or a part's). */
export function headerPropertyValue(headers: readonly RawHeader[], property: HeaderProperty): unknown {
  const matching = headers.filter((header) => header.name.toLowerCase() === property.name);
  if (property.all) return matching.map((header) => parseHeaderValue(header.value, property.form));
  const last = matching[matching.length - 1];
  return last === undefined ? null : parseHeaderValue(last.value, property.form);
}

export interface EmailAddress {
  name: string | null;
  email: string;
}

export interface EmailAddressGroup {
  name: string | null;
  addresses: EmailAddress[];
}

/** §4.1.2.1–4.1.2.7: one raw header field value in the given form. */
export function parseHeaderValue(raw: string, form: HeaderForm): unknown {
  switch (form) {
    case 'Raw':
      return raw;
    case 'Text':
      return decodeText(raw) ?? '';
    case 'Addresses':
      return groupedAddresses(raw).flatMap((group) => group.addresses);
    case 'GroupedAddresses':
      return groupedAddresses(raw);
    case 'MessageIds': {
      const ids = messageIdsOf(unfold(raw));
      return ids.length > 0 ? ids : null;
    }
    case 'Date': {
      const time = Date.parse(unfold(raw).trim());
      return Number.isNaN(time) ? null : new Date(time).toISOString().replace('.000Z', 'Z');
    }
    case 'URLs': {
      const urls = [...unfold(raw).matchAll(/<([^<>]*)>/g)].map((match) => match[1]!.replace(/\s+/g, ''));
      return urls.length > 0 ? urls : null;
    }
  }
}

function unfold(raw: string): string {
  return raw.replace(/\r?\n(?=[ \t])/g, '');
}

/** Addresses outside any group form a group whose name is null (§4.1.2.4). */
function groupedAddresses(raw: string): EmailAddressGroup[] {
  let parsed;
  try {
    parsed = parseAddressHeader(unfold(raw));
  } catch {
    return [];
  }
  const groups: EmailAddressGroup[] = [];
  let ungrouped: EmailAddressGroup | null = null;
  const address = (entry: { name?: string; address?: string }): EmailAddress | null => {
    const name = entry.name ? entry.name.trim() : '';
    const email = entry.address ? entry.address.trim() : '';
    return name || email ? { name: name || null, email } : null;
  };
  for (const entry of parsed.value) {
    if (entry.group) {
      ungrouped = null;
      groups.push({
        name: entry.name || null,
        addresses: entry.group.map(address).filter((value): value is EmailAddress => value !== null),
      });
      continue;
    }
    const single = address(entry);
    if (!single) continue;
    if (!ungrouped) {
      ungrouped = { name: null, addresses: [] };
      groups.push(ungrouped);
    }
    ungrouped.addresses.push(single);
  }
  return groups;
}
