import { isObject, MethodError } from '@pushmail/jmap';
import { normalizeKeyword } from './keywords.js';
import { containsPattern, type SqlParams } from './sql-params.js';

/** The FilterCondition properties of RFC 8621 §4.4.1 that Email/query understands. */
export const EMAIL_FILTER_CONDITIONS = [
  'inMailbox',
  'inMailboxOtherThan',
  'before',
  'after',
  'minSize',
  'maxSize',
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
  'noneInThreadHaveKeyword',
  'hasKeyword',
  'notKeyword',
  'hasAttachment',
  'text',
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'body',
  'header',
] as const;

const THREAD_KEYWORD_CONDITIONS = [
  'allInThreadHaveKeyword',
  'someInThreadHaveKeyword',
  'noneInThreadHaveKeyword',
];

/** The conditions that search text: each is a scan of the bodies and address lists of the account. */
const TEXT_CONDITIONS = ['text', 'from', 'to', 'cc', 'bcc', 'subject', 'body', 'header'];

/**
 * How wide a filter may be (docs/adr/0051). Each text term is a LIKE over every email of the
 * account, so a filter's cost grows with its terms; past these it answers `unsupportedFilter`
 * ("syntactically valid, but the server cannot process it", RFC 8621 §4.4) before any SQL runs.
 * RFC 8621 has no capability property for these, so they are documented, not advertised.
 */
export const EMAIL_FILTER_LIMITS = {
  /** FilterOperators nested inside each other. */
  maxDepth: 16,
  /** FilterOperators and FilterConditions in the whole filter. */
  maxConditions: 64,
  /** text, from, to, cc, bcc, subject and body conditions in the whole filter. */
  maxTextTerms: 16,
  /** Characters of one text term. */
  maxTextLength: 1024,
  /** Mailbox ids of one inMailboxOtherThan. */
  maxMailboxIds: 256,
} as const;

export interface CompiledEmailFilter {
  /**
   * A boolean SQL expression over the emails table aliased `e`; with `inMailbox` set, also over the
   * email_mailboxes rows of that mailbox aliased `m`, joined to `e` (see compileQuery).
   */
  where: string;
  /** The result of an email depends on other emails of its thread. */
  dependsOnThread: boolean;
  /**
   * The placeholder of the mailbox that every result is in, when the filter requires one at its top
   * (the condition itself or one of an AND's): the query reads that mailbox's rows of
   * email_mailboxes, in their order, instead of testing every email of the account. Only when
   * compiled with `{ membership: true }`.
   */
  inMailbox?: string;
  /** Some condition reads the emails table: false when the filter is only inMailbox (and receivedAt bounds). */
  readsEmails: boolean;
}

export interface EmailFilterOptions {
  /** Compile a top-level inMailbox (and the received-at bounds beside it) over email_mailboxes `m`. */
  membership?: boolean;
}

/** Compiles a Filter (a FilterCondition or a FilterOperator tree) into SQL; throws the JMAP errors. */
export function compileEmailFilter(
  filter: unknown,
  params: SqlParams,
  options: EmailFilterOptions = {},
): CompiledEmailFilter {
  const state: FilterState = {
    dependsOnThread: false,
    conditions: 0,
    textTerms: 0,
    membership: options.membership === true && requiresMailbox(filter),
    readsEmails: false,
  };
  const where =
    filter === undefined || filter === null ? 'TRUE' : compileNode(filter, params, state, 0, true);
  return {
    where,
    dependsOnThread: state.dependsOnThread,
    ...(state.inMailbox === undefined ? {} : { inMailbox: state.inMailbox }),
    readsEmails: state.readsEmails,
  };
}

const MAX_FILTER_DEPTH = EMAIL_FILTER_LIMITS.maxDepth;

interface FilterState {
  dependsOnThread: boolean;
  conditions: number;
  textTerms: number;
  /** The top-level inMailbox is read from email_mailboxes `m` (see CompiledEmailFilter.inMailbox). */
  membership: boolean;
  inMailbox?: string;
  readsEmails: boolean;
}

/**
 * Whether every email the filter matches must be in the mailbox of an inMailbox at its top: the
 * condition's own, or one of an AND's conditions (ANDs nested in ANDs included). Malformed filters
 * answer false and fail when compiled.
 */
function requiresMailbox(node: unknown, depth = 0): boolean {
  if (!isObject(node) || depth > MAX_FILTER_DEPTH) return false;
  if ('operator' in node) {
    return (
      node['operator'] === 'AND' &&
      Array.isArray(node['conditions']) &&
      node['conditions'].some((child) => requiresMailbox(child, depth + 1))
    );
  }
  return typeof node['inMailbox'] === 'string';
}

function tooWide(description: string): MethodError {
  return new MethodError('unsupportedFilter', description);
}

/** `top`: the node's conditions hold for every result (the root, and the conditions of ANDs at the top). */
function compileNode(
  node: unknown,
  params: SqlParams,
  state: FilterState,
  depth: number,
  top: boolean,
): string {
  if (!isObject(node)) throw invalid('a filter must be an object');
  if (depth > MAX_FILTER_DEPTH) throw tooWide(`filters nest at most ${MAX_FILTER_DEPTH} deep`);
  state.conditions += 1;
  if (state.conditions > EMAIL_FILTER_LIMITS.maxConditions) {
    throw tooWide(
      `a filter has at most ${EMAIL_FILTER_LIMITS.maxConditions} FilterOperators and FilterConditions`,
    );
  }
  if ('operator' in node) {
    const { operator, conditions } = node;
    const extra = Object.keys(node).filter((key) => key !== 'operator' && key !== 'conditions');
    if (extra.length > 0) throw invalid(`a FilterOperator has only "operator" and "conditions"`);
    if (!Array.isArray(conditions)) throw invalid('"conditions" must be an array of filters');
    const parts = conditions.map((condition) =>
      compileNode(condition, params, state, depth + 1, top && operator === 'AND'),
    );
    switch (operator) {
      case 'AND':
        return parts.length === 0 ? 'TRUE' : `(${parts.join(' AND ')})`;
      case 'OR':
        return parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`;
      case 'NOT':
        return parts.length === 0 ? 'TRUE' : `(NOT (${parts.join(' OR ')}))`;
      default:
        throw new MethodError('unsupportedFilter', 'operator must be AND, OR or NOT');
    }
  }
  const clauses: string[] = [];
  for (const [name, value] of Object.entries(node)) {
    if (!(EMAIL_FILTER_CONDITIONS as readonly string[]).includes(name)) {
      throw new MethodError('unsupportedFilter', `unsupported filter condition: ${name.slice(0, 64)}`);
    }
    if (THREAD_KEYWORD_CONDITIONS.includes(name)) state.dependsOnThread = true;
    if (TEXT_CONDITIONS.includes(name)) {
      state.textTerms += 1;
      if (state.textTerms > EMAIL_FILTER_LIMITS.maxTextTerms) {
        throw tooWide(
          `a filter has at most ${EMAIL_FILTER_LIMITS.maxTextTerms} text conditions (text, from, to, cc, bcc, subject, body, header)`,
        );
      }
    }
    if (top && state.membership) {
      clauses.push(topCondition(name, value, params, state));
    } else {
      state.readsEmails = true;
      clauses.push(condition(name, value, params));
    }
  }
  return clauses.length === 0 ? 'TRUE' : `(${clauses.join(' AND ')})`;
}

/**
 * A condition every result meets, in a query that reads the rows of one mailbox from email_mailboxes
 * `m` (joined to `e` on the email's id): the first inMailbox chooses the mailbox, and
 * the receivedAt bounds bound the range of `m` read, so a Sync of the last two weeks reads two weeks.
 */
function topCondition(name: string, value: unknown, params: SqlParams, state: FilterState): string {
  switch (name) {
    case 'inMailbox':
      if (state.inMailbox !== undefined) break;
      state.inMailbox = params.add(id(name, value));
      return `m.mailbox_id = ${state.inMailbox}`;
    case 'before':
      return `m.received_at < ${params.add(utcDate(name, value))}`;
    case 'after':
      return `m.received_at >= ${params.add(utcDate(name, value))}`;
  }
  state.readsEmails = true;
  return condition(name, value, params);
}

function condition(name: string, value: unknown, params: SqlParams): string {
  switch (name) {
    case 'inMailbox':
      return `e.mailbox_ids @> jsonb_build_object(${params.add(id(name, value))}::text, true)`;
    case 'inMailboxOtherThan': {
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw invalid('"inMailboxOtherThan" must be an array of mailbox ids');
      }
      if (value.length > EMAIL_FILTER_LIMITS.maxMailboxIds) {
        throw tooWide(`"inMailboxOtherThan" lists at most ${EMAIL_FILTER_LIMITS.maxMailboxIds} mailboxes`);
      }
      return `EXISTS (SELECT 1 FROM jsonb_object_keys(e.mailbox_ids) AS mailbox_id WHERE mailbox_id <> ALL(${params.add(value)}::text[]))`;
    }
    case 'before':
      return `e.received_at < ${params.add(utcDate(name, value))}`;
    case 'after':
      return `e.received_at >= ${params.add(utcDate(name, value))}`;
    case 'minSize':
      // An UnsignedInt goes up to 2^53-1 (RFC 8620 §1.3): compared as bigint, not as the column's integer.
      return `e.size >= ${params.add(unsigned(name, value))}::bigint`;
    case 'maxSize':
      return `e.size < ${params.add(unsigned(name, value))}::bigint`;
    case 'allInThreadHaveKeyword':
      return `e.thread_id IN (${threadsWhere('bool_and', params.add(keyword(name, value)))})`;
    case 'someInThreadHaveKeyword':
      return `e.thread_id IN (${threadsWhere('bool_or', params.add(keyword(name, value)))})`;
    case 'noneInThreadHaveKeyword':
      return `NOT (e.thread_id IN (${threadsWhere('bool_or', params.add(keyword(name, value)))}))`;
    case 'hasKeyword':
      return `e.keywords ? ${params.add(keyword(name, value))}`;
    case 'notKeyword':
      return `NOT e.keywords ? ${params.add(keyword(name, value))}`;
    case 'hasAttachment':
      if (typeof value !== 'boolean') throw invalid('"hasAttachment" must be a boolean');
      return `e.has_attachment = ${params.add(value)}`;
    case 'text': {
      const pattern = params.add(containsPattern(text(name, value)));
      return `(${[
        `coalesce(e.subject, '') ILIKE ${pattern}`,
        ...['"from"', '"to"', 'cc', 'bcc'].map((column) => `${addressText(column)} ILIKE ${pattern}`),
        `coalesce(e.text_body, '') ILIKE ${pattern}`,
        `coalesce(e.html_body, '') ILIKE ${pattern}`,
      ].join(' OR ')})`;
    }
    case 'from':
    case 'to':
    case 'cc':
    case 'bcc':
      return `${addressText(name === 'cc' || name === 'bcc' ? name : `"${name}"`)} ILIKE ${params.add(containsPattern(text(name, value)))}`;
    case 'subject':
      return `coalesce(e.subject, '') ILIKE ${params.add(containsPattern(text(name, value)))}`;
    case 'body': {
      const pattern = params.add(containsPattern(text(name, value)));
      return `(coalesce(e.text_body, '') ILIKE ${pattern} OR coalesce(e.html_body, '') ILIKE ${pattern})`;
    }
    case 'header':
      return headerCondition(value, params);
    default:
      throw new MethodError('unsupportedFilter', `unsupported filter condition: ${name}`);
  }
}

/** Octets as Postgres `encode(..., 'escape')` writes them: NUL and high bytes octal, `\\` doubled. */
function escapeOctets(bytes: Buffer): string {
  let escaped = '';
  for (const byte of bytes) {
    if (byte === 0x5c) escaped += '\\\\';
    else if (byte === 0 || byte >= 0x80) escaped += `\\${byte.toString(8).padStart(3, '0')}`;
    else escaped += String.fromCharCode(byte);
  }
  return escaped;
}

/** RFC 5322 ftext: printable US-ASCII except the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,998}$/;
/** Only the start of a raw message is read for its header block. */
const HEADER_BLOCK_BYTES = 256 * 1024;

/**
 * `header: [name]` matches an email with a header field of that name; `[name, value]` one whose
 * field value contains `value` (RFC 8621 §4.4.1). Read from the stored message's header block, as
 * octets: the value is matched against the field as it is in the message (folding undone, encoded
 * words not decoded), ASCII letters compared without case. Counted as a text term: it scans the
 * account's messages.
 */
function headerCondition(value: unknown, params: SqlParams): string {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
    throw invalid('"header" must be [name] or [name, value]');
  }
  const [name, contains] = value as unknown[];
  if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
    throw invalid('"header" names an invalid header field');
  }
  const nameParam = params.add(name.toLowerCase());
  const block = `regexp_replace(split_part(replace(encode(substring(b.data from 1 for ${HEADER_BLOCK_BYTES}), 'escape'), E'\\r\\n', E'\\n'), E'\\n\\n', 1), E'\\n[ \\t]+', ' ', 'g')`;
  let valueMatch = '';
  if (contains !== undefined) {
    // The stored octets are read with Postgres's `escape` encoding (never an error, whatever the
    // bytes), so the term is compared as its UTF-8 octets written the same way.
    const term = escapeOctets(Buffer.from(text('header', contains), 'utf8'));
    valueMatch = ` AND substr(line, strpos(line, ':') + 1) ILIKE ${params.add(containsPattern(term))}`;
  }
  return `EXISTS (SELECT 1 FROM mailbox.blobs AS b, regexp_split_to_table(${block}, E'\\n') AS line
      WHERE b.account_id = e.account_id AND b.id = e.blob_id AND strpos(line, ':') > 1
        AND lower(rtrim(split_part(line, ':', 1), E' \\t')) = ${nameParam}${valueMatch})`;
}

/**
 * The threads of the account for which `aggregate` of "has the keyword" holds over all their emails.
 * Not correlated with the outer email: PostgreSQL computes it once, in one pass over the account's
 * emails, and looks each outer email's thread up in the result (a hash), so a thread of n emails
 * costs n, not n² as a per-email scan of its thread mates would (docs/adr/0051). `$1` is the
 * account id in every query the filter is compiled into.
 */
function threadsWhere(aggregate: 'bool_and' | 'bool_or', keywordParam: string): string {
  return `SELECT other.thread_id FROM mailbox.emails AS other WHERE other.account_id = $1
    GROUP BY other.thread_id HAVING ${aggregate}(other.keywords ? ${keywordParam})`;
}

/** The names and addresses of an address-list column as one searchable string. */
function addressText(column: string): string {
  return `coalesce((SELECT string_agg(coalesce(address->>'name', '') || ' ' || coalesce(address->>'email', ''), ' ')
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.${column}) = 'array' THEN e.${column} ELSE '[]'::jsonb END) AS address), '')`;
}

function invalid(description: string): MethodError {
  return new MethodError('invalidArguments', description);
}

function id(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`"${name}" must be an id`);
  return value;
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`"${name}" must be a string`);
  if (value.length > EMAIL_FILTER_LIMITS.maxTextLength) {
    throw tooWide(`"${name}" is longer than ${EMAIL_FILTER_LIMITS.maxTextLength} characters`);
  }
  return value.replaceAll('\u0000', '');
}

function unsigned(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`"${name}" must be an UnsignedInt: an integer from 0 to 2^53-1`);
  }
  return value;
}

function keyword(name: string, value: unknown): string {
  const normalized = normalizeKeyword(value);
  if (normalized === null) throw invalid(`"${name}" must be a keyword`);
  return normalized;
}

/** RFC 8620 §1.4 UTCDate: `2014-10-30T06:12:00Z`, optionally with a fraction of a second. */
export function utcDate(name: string, value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(value)) {
    throw invalid(`"${name}" must be a UTCDate such as 2014-10-30T06:12:00Z`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(`"${name}" is not a valid date`);
  return date;
}

/**
 * The words a search asked for (text, subject and body conditions outside NOT), which SearchSnippet
 * highlights.
 */
export function searchTerms(filter: unknown): string[] {
  const terms = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (!isObject(node) || depth > MAX_FILTER_DEPTH) return;
    if ('operator' in node) {
      if (node['operator'] === 'NOT' || !Array.isArray(node['conditions'])) return;
      for (const child of node['conditions']) visit(child, depth + 1);
      return;
    }
    for (const name of ['text', 'subject', 'body']) {
      const value = node[name];
      if (typeof value === 'string' && value.trim().length > 0) terms.add(value.trim());
    }
  };
  visit(filter, 0);
  return [...terms];
}
