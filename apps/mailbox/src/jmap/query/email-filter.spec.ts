import { MethodError } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { compileEmailFilter, EMAIL_FILTER_LIMITS, searchTerms, utcDate } from './email-filter.js';
import { containsPattern, SqlParams } from './sql-params.js';

const compile = (filter: unknown) => {
  const params = new SqlParams(1);
  const compiled = compileEmailFilter(filter, params);
  return { ...compiled, params: params.values };
};

const errorType = (filter: unknown): string | undefined => {
  try {
    compile(filter);
    return undefined;
  } catch (error) {
    return error instanceof MethodError ? error.type : 'not a MethodError';
  }
};

describe(compileEmailFilter.name, () => {
  it('matches everything without a filter', () => {
    expect(compile(null)).toEqual({ where: 'TRUE', dependsOnThread: false, readsEmails: false, params: [] });
    expect(compile({}).where).toBe('TRUE');
  });

  it('joins the conditions of one FilterCondition with AND, numbering placeholders after the offset', () => {
    const { where, params } = compile({
      inMailbox: 'Finbox',
      hasKeyword: '$Flagged',
      after: '2026-01-01T00:00:00Z',
    });
    expect(where).toBe(
      '(e.mailbox_ids @> jsonb_build_object($2::text, true) AND e.keywords ? $3 AND e.received_at >= $4)',
    );
    expect(params).toEqual(['Finbox', '$flagged', new Date('2026-01-01T00:00:00Z')]);
  });

  it('nests AND, OR and NOT operators, NOT meaning none of its conditions', () => {
    const { where } = compile({
      operator: 'AND',
      conditions: [
        { operator: 'OR', conditions: [{ from: 'ada' }, { to: 'ada' }] },
        { operator: 'NOT', conditions: [{ hasKeyword: '$seen' }, { notKeyword: '$flagged' }] },
      ],
    });
    expect(where).toContain(' ILIKE $2) OR (');
    expect(where).toContain(' ILIKE $3)) AND ');
    expect(where.endsWith(' AND (NOT ((e.keywords ? $4) OR (NOT e.keywords ? $5))))')).toBe(true);
  });

  it('treats LIKE wildcards in search text literally', () => {
    expect(compile({ subject: '50%_off\\' }).params).toEqual(['%50\\%\\_off\\\\%']);
    expect(containsPattern('plain')).toBe('%plain%');
  });

  it('searches subject, every address field and both bodies for text', () => {
    const { where } = compile({ text: 'x' });
    for (const column of ['e.subject', 'e."from"', 'e."to"', 'e.cc', 'e.bcc', 'e.text_body', 'e.html_body']) {
      expect(where).toContain(column);
    }
  });

  it('marks conditions on other emails of the thread', () => {
    expect(compile({ someInThreadHaveKeyword: '$flagged' }).dependsOnThread).toBe(true);
    expect(compile({ inMailboxOtherThan: ['a', 'b'] }).dependsOnThread).toBe(false);
  });

  it('answers unsupportedFilter for an unknown condition or operator', () => {
    expect(errorType({ color: 'red' })).toBe('unsupportedFilter');
    expect(errorType({ operator: 'XOR', conditions: [] })).toBe('unsupportedFilter');
  });

  it('answers invalidArguments for values of the wrong type', () => {
    expect(errorType({ inMailbox: 3 })).toBe('invalidArguments');
    expect(errorType({ before: '2026-01-01' })).toBe('invalidArguments');
    expect(errorType({ hasKeyword: 'bad keyword' })).toBe('invalidArguments');
    expect(errorType({ hasAttachment: 'yes' })).toBe('invalidArguments');
    expect(errorType({ header: [] })).toBe('invalidArguments');
    expect(errorType({ header: ['X-Bad\u0000Name'] })).toBe('invalidArguments');
    expect(errorType({ header: ['Subject', 7] })).toBe('invalidArguments');
    expect(errorType({ minSize: -1 })).toBe('invalidArguments');
    expect(errorType({ operator: 'AND' })).toBe('invalidArguments');
    expect(errorType([])).toBe('invalidArguments');
  });

  it('refuses filters nested without end', () => {
    let filter: unknown = { subject: 'x' };
    for (let depth = 0; depth < 40; depth += 1) filter = { operator: 'AND', conditions: [filter] };
    expect(errorType(filter)).toBe('unsupportedFilter');
  });

  it('refuses a filter with thousands of text terms before any SQL is built', () => {
    const conditions = Array.from({ length: 70_000 }, (_, index) => ({ text: `term${index}` }));
    const params = new SqlParams(1);
    let error: unknown;
    try {
      compileEmailFilter({ operator: 'OR', conditions }, params);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MethodError);
    expect((error as MethodError).type).toBe('unsupportedFilter');
    expect((error as MethodError).message).toMatch(/at most \d+/);
    // Never near PostgreSQL's 65535 bind parameters.
    expect(params.values.length).toBeLessThanOrEqual(EMAIL_FILTER_LIMITS.maxTextTerms);
  });

  it('accepts a filter at its limits and refuses one condition more', () => {
    const terms = (count: number) => Array.from({ length: count }, (_, index) => ({ subject: `s${index}` }));
    expect(
      errorType({ operator: 'OR', conditions: terms(EMAIL_FILTER_LIMITS.maxTextTerms) }),
    ).toBeUndefined();
    expect(errorType({ operator: 'OR', conditions: terms(EMAIL_FILTER_LIMITS.maxTextTerms + 1) })).toBe(
      'unsupportedFilter',
    );
    const keywords = (count: number) => Array.from({ length: count }, () => ({ hasKeyword: '$seen' }));
    expect(
      errorType({ operator: 'AND', conditions: keywords(EMAIL_FILTER_LIMITS.maxConditions - 1) }),
    ).toBeUndefined();
    expect(errorType({ operator: 'AND', conditions: keywords(EMAIL_FILTER_LIMITS.maxConditions) })).toBe(
      'unsupportedFilter',
    );
    expect(errorType({ body: 'x'.repeat(EMAIL_FILTER_LIMITS.maxTextLength + 1) })).toBe('unsupportedFilter');
    expect(
      errorType({
        inMailboxOtherThan: Array.from({ length: EMAIL_FILTER_LIMITS.maxMailboxIds + 1 }, String),
      }),
    ).toBe('unsupportedFilter');
  });

  it('reads the mailbox of a top-level inMailbox, and the receivedAt bounds beside it, from email_mailboxes', () => {
    const membership = (filter: unknown) => {
      const params = new SqlParams(1);
      return { ...compileEmailFilter(filter, params, { membership: true }), params: params.values };
    };
    expect(membership({ inMailbox: 'Finbox', after: '2026-01-01T00:00:00Z' })).toEqual({
      where: '(m.mailbox_id = $2 AND m.received_at >= $3)',
      dependsOnThread: false,
      inMailbox: '$2',
      readsEmails: false,
      params: ['Finbox', new Date('2026-01-01T00:00:00Z')],
    });
    // In an AND (however nested in ANDs) the mailbox still holds every result; a second one is a test.
    const nested = membership({
      operator: 'AND',
      conditions: [
        { operator: 'AND', conditions: [{ before: '2026-02-01T00:00:00Z' }, { inMailbox: 'Fa' }] },
        { inMailbox: 'Fb', hasKeyword: '$seen' },
      ],
    });
    expect(nested.inMailbox).toBe('$3');
    expect(nested.where).toBe(
      '(((m.received_at < $2) AND (m.mailbox_id = $3)) AND (e.mailbox_ids @> jsonb_build_object($4::text, true) AND e.keywords ? $5))',
    );
    expect(nested.readsEmails).toBe(true);
    // Under OR or NOT a mailbox does not hold every result: each email is tested.
    for (const filter of [
      { operator: 'OR', conditions: [{ inMailbox: 'Fa' }, { inMailbox: 'Fb' }] },
      { operator: 'NOT', conditions: [{ inMailbox: 'Fa' }] },
      { operator: 'AND', conditions: [{ operator: 'OR', conditions: [{ inMailbox: 'Fa' }] }] },
    ]) {
      const compiled = membership(filter);
      expect(compiled.inMailbox, JSON.stringify(filter)).toBeUndefined();
      expect(compiled.where).not.toContain('m.');
    }
    // Without the option, inMailbox is always a test of the email's mailbox_ids.
    const plain = compile({ inMailbox: 'Fa' });
    expect(plain.inMailbox).toBeUndefined();
    expect(plain.readsEmails).toBe(true);
  });

  it('takes sizes up to 2^53-1 as bigint and refuses anything outside UnsignedInt', () => {
    const { where, params } = compile({ minSize: 2 ** 31, maxSize: Number.MAX_SAFE_INTEGER });
    expect(where).toBe('(e.size >= $2::bigint AND e.size < $3::bigint)');
    expect(params).toEqual([2 ** 31, Number.MAX_SAFE_INTEGER]);
    for (const bad of [-1, 1.5, 2 ** 53, '10', null])
      expect(errorType({ minSize: bad })).toBe('invalidArguments');
  });
});

describe(utcDate.name, () => {
  it('accepts RFC 8620 UTCDates only', () => {
    expect(utcDate('d', '2026-03-01T10:00:00.5Z').toISOString()).toBe('2026-03-01T10:00:00.500Z');
    expect(() => utcDate('d', '2026-03-01T10:00:00+01:00')).toThrow(MethodError);
  });
});

describe(searchTerms.name, () => {
  it('collects what was searched for, leaving out negated conditions', () => {
    expect(
      searchTerms({
        operator: 'AND',
        conditions: [
          { text: 'lunch' },
          { subject: 'menu', from: 'ada' },
          { operator: 'NOT', conditions: [{ body: 'no' }] },
        ],
      }),
    ).toEqual(['lunch', 'menu']);
  });
});
