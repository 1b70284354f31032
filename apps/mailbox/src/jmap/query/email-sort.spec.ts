import type { MethodError } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { compileEmailSort, MAX_COMPARATORS } from './email-sort.js';
import { SqlParams } from './sql-params.js';

describe(compileEmailSort.name, () => {
  it('orders newest first by default, the id breaking ties', () => {
    expect(compileEmailSort(undefined, new SqlParams()).orderBy('v')).toBe('v.received_at DESC, v.id ASC');
  });

  it('orders by each comparator in turn, ascending unless asked otherwise', () => {
    const params = new SqlParams(2);
    const order = compileEmailSort(
      [
        { property: 'from' },
        { property: 'subject', isAscending: false, collation: 'i;unicode-casemap' },
        { property: 'hasKeyword', keyword: '$Flagged', isAscending: false },
        { property: 'size', isAscending: true },
      ],
      params,
    );
    expect(order.orderBy('e')).toBe(
      'e.sort_from ASC, e.sort_subject DESC, (e.keywords ? $3) DESC, e.size ASC, e.id ASC',
    );
    expect(params.values).toEqual(['$flagged']);
    expect(order.dependsOnKeywords).toBe(true);
  });

  it('tells whether the order reads receivedAt alone', () => {
    const byReceivedAt = (sort: unknown) => compileEmailSort(sort, new SqlParams()).byReceivedAt;
    expect(byReceivedAt(undefined)).toBe(true);
    expect(byReceivedAt([{ property: 'receivedAt', isAscending: false }])).toBe(true);
    expect(byReceivedAt([{ property: 'receivedAt' }, { property: 'size' }])).toBe(false);
    expect(byReceivedAt([{ property: 'hasKeyword', keyword: '$seen' }])).toBe(false);
  });

  it('tells whether an order by receivedAt lists the oldest first, as a comparator does by default', () => {
    const oldestFirst = (sort: unknown) => compileEmailSort(sort, new SqlParams()).oldestFirst;
    expect(oldestFirst(undefined)).toBe(false);
    expect(oldestFirst([])).toBe(false);
    expect(oldestFirst([{ property: 'receivedAt' }])).toBe(true);
    expect(oldestFirst([{ property: 'receivedAt', isAscending: true }])).toBe(true);
    expect(oldestFirst([{ property: 'receivedAt', isAscending: false }])).toBe(false);
  });

  it('names the one indexed property an order reads, with its direction', () => {
    const key = (sort: unknown) => compileEmailSort(sort, new SqlParams()).key;
    expect(key(undefined)).toEqual({ property: 'receivedAt', descending: true });
    expect(key([{ property: 'sentAt', isAscending: false }])).toEqual({
      property: 'sentAt',
      descending: true,
    });
    expect(key([{ property: 'from' }])).toEqual({ property: 'from', descending: false });
    // A later comparator on the same property only repeats the first.
    expect(key([{ property: 'subject' }, { property: 'subject', isAscending: false }])).toEqual({
      property: 'subject',
      descending: false,
    });
    expect(key([{ property: 'size' }])).toBeUndefined();
    expect(key([{ property: 'to' }])).toBeUndefined();
    expect(key([{ property: 'sentAt' }, { property: 'from' }])).toBeUndefined();
    expect(key([{ property: 'hasKeyword', keyword: '$seen' }])).toBeUndefined();
  });

  it('refuses more comparators than MAX_COMPARATORS with unsupportedSort', () => {
    const sort = (count: number) => Array.from({ length: count }, () => ({ property: 'size' }));
    expect(() => compileEmailSort(sort(MAX_COMPARATORS), new SqlParams())).not.toThrow();
    let error: unknown;
    try {
      compileEmailSort(sort(MAX_COMPARATORS + 1), new SqlParams());
    } catch (caught) {
      error = caught;
    }
    expect((error as MethodError).type).toBe('unsupportedSort');
  });

  it('keeps emails without a Date header together', () => {
    expect(compileEmailSort([{ property: 'sentAt' }], new SqlParams()).orderBy('e')).toBe(
      'e.sent_at ASC NULLS FIRST, e.id ASC',
    );
  });

  it('answers unsupportedSort for an unknown property or collation, invalidArguments for a malformed one', () => {
    const type = (sort: unknown) => {
      try {
        compileEmailSort(sort, new SqlParams());
        return undefined;
      } catch (error) {
        return (error as MethodError).type;
      }
    };
    expect(type([{ property: 'color' }])).toBe('unsupportedSort');
    expect(type([{ property: 'subject', collation: 'i;octet' }])).toBe('unsupportedSort');
    expect(type([{ property: 'hasKeyword' }])).toBe('invalidArguments');
    expect(type([{ isAscending: true }])).toBe('invalidArguments');
    expect(type({ property: 'size' })).toBe('invalidArguments');
  });
});
