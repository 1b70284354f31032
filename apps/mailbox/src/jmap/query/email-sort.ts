import { DEFAULT_CORE_LIMITS, isObject, MethodError } from '@pushmail/jmap';
import { normalizeKeyword } from './keywords.js';
import type { SqlParams } from './sql-params.js';

/** The sort properties advertised as emailQuerySortOptions (RFC 8621 §4.4.2). */
export const EMAIL_SORT_OPTIONS = [
  'receivedAt',
  'size',
  'from',
  'to',
  'subject',
  'sentAt',
  'hasKeyword',
] as const;

export interface EmailOrder {
  /** ORDER BY terms over a row alias; the id breaks ties so paging is stable. */
  orderBy(alias: string): string;
  /** The order depends on mutable keywords. */
  dependsOnKeywords: boolean;
  /** The order reads only receivedAt (and the id that breaks ties). */
  byReceivedAt: boolean;
  /** With byReceivedAt: oldest first (the first comparator decides; the others repeat it). */
  oldestFirst: boolean;
  /**
   * The one property the order reads, when it is one that email_mailboxes carries and indexes
   * (ADR 0095), with its direction: then a mailbox's page is a range of an index, and an email's
   * index in the results a count of the range before its key.
   */
  key?: { property: KeyProperty; descending: boolean };
}

/** The sort properties email_mailboxes carries, each with an index in that order (ADR 0095). */
export const KEY_PROPERTIES = ['receivedAt', 'sentAt', 'from', 'subject'] as const;
export type KeyProperty = (typeof KEY_PROPERTIES)[number];

const COLUMN: Record<string, string> = {
  receivedAt: 'received_at',
  size: 'size',
  from: 'sort_from',
  to: 'sort_to',
  subject: 'sort_subject',
  sentAt: 'sent_at',
};

/** Comparators of one sort: each is one more ORDER BY term over every email of the account. */
export const MAX_COMPARATORS = 8;

/** Compiles a sort (Comparator[]); newest first when none is given. */
export function compileEmailSort(sort: unknown, params: SqlParams): EmailOrder {
  if (sort === undefined || sort === null || (Array.isArray(sort) && sort.length === 0)) {
    return {
      orderBy: (alias) => `${alias}.received_at DESC, ${alias}.id ASC`,
      dependsOnKeywords: false,
      byReceivedAt: true,
      oldestFirst: false,
      key: { property: 'receivedAt', descending: true },
    };
  }
  if (!Array.isArray(sort)) throw invalid('"sort" must be null or an array of comparators');
  if (sort.length > MAX_COMPARATORS) {
    throw new MethodError('unsupportedSort', `a sort has at most ${MAX_COMPARATORS} comparators`);
  }
  let dependsOnKeywords = false;
  const terms: Array<(alias: string) => string> = [];
  for (const comparator of sort) {
    if (!isObject(comparator) || typeof comparator['property'] !== 'string') {
      throw invalid('each comparator needs a "property"');
    }
    const { property, isAscending, collation } = comparator;
    if (isAscending !== undefined && typeof isAscending !== 'boolean')
      throw invalid('"isAscending" must be a boolean');
    if (collation !== undefined && !DEFAULT_CORE_LIMITS.collationAlgorithms.includes(String(collation))) {
      throw new MethodError('unsupportedSort', `unsupported collation ${String(collation).slice(0, 64)}`);
    }
    const direction = isAscending === false ? 'DESC' : 'ASC';
    if (property === 'hasKeyword') {
      const keyword = normalizeKeyword(comparator['keyword']);
      if (keyword === null) throw invalid('a hasKeyword comparator needs a valid "keyword"');
      const placeholder = params.add(keyword);
      dependsOnKeywords = true;
      terms.push((alias) => `(${alias}.keywords ? ${placeholder}) ${direction}`);
      continue;
    }
    const column = COLUMN[property];
    if (!column) throw new MethodError('unsupportedSort', `cannot sort on ${property.slice(0, 64)}`);
    const nulls = property === 'sentAt' ? (direction === 'ASC' ? ' NULLS FIRST' : ' NULLS LAST') : '';
    terms.push((alias) => `${alias}.${column} ${direction}${nulls}`);
  }
  const first = sort[0] as Record<string, unknown>;
  const property = first['property'] as string;
  // Comparators after the first on the same property only repeat it: the first decides.
  const keyed =
    (KEY_PROPERTIES as readonly string[]).includes(property) &&
    sort.every((comparator) => comparator['property'] === property);
  return {
    orderBy: (alias) => [...terms.map((term) => term(alias)), `${alias}.id ASC`].join(', '),
    dependsOnKeywords,
    byReceivedAt: sort.every((comparator) => comparator['property'] === 'receivedAt'),
    oldestFirst: first['isAscending'] !== false,
    ...(keyed
      ? { key: { property: property as KeyProperty, descending: first['isAscending'] === false } }
      : {}),
  };
}

function invalid(description: string): MethodError {
  return new MethodError('invalidArguments', description);
}
