import { describe, expect, it } from 'vitest';
import { plainTextArray, writtenOut } from './begun-transaction.js';

describe(plainTextArray.name, () => {
  it('writes out hex digests and other plain ids as a text[] literal', () => {
    expect(plainTextArray(['a1b2', 'd-1.x:y@z+w=/v'])).toBe("ARRAY['a1b2', 'd-1.x:y@z+w=/v']::text[]");
  });

  it.each([["it's"], ['back\\slash'], ['two words'], ['line\nbreak'], ['tab\there'], ['']])(
    'refuses a batch with an id that could leave or break the literal: %j',
    (id) => {
      expect(plainTextArray(['plain', id])).toBeUndefined();
    },
  );

  it('keeps dashes and slashes, which are plain inside quotes', () => {
    expect(plainTextArray(['--x', 'a/b'])).toBe("ARRAY['--x', 'a/b']::text[]");
  });

  it('refuses an id longer than a delivery id may be', () => {
    expect(plainTextArray(['a'.repeat(201)])).toBeUndefined();
    expect(plainTextArray(['a'.repeat(200)])).toBeDefined();
  });
});

describe(writtenOut.name, () => {
  /** A statement whose parameters are the values' entries in order. */
  const statement = (text: string) => ({ text, parameters: (values: unknown[]) => values });
  const accountId = '3f0e7c1a-9b2d-4c5e-8f6a-1b2c3d4e5f60';

  it('writes integers, plain ids and arrays of plain ids into the places of $1, $2, ... $10', () => {
    const text = 'SELECT $1, $2, $3::text[], $4, $5, $6, $7, $8, $9, $10 WHERE a = $1';
    expect(
      writtenOut(statement(text), [accountId, 42, ['Email', 'Mcd7'], 0, 1, 2, 3, 4, 5, 9007199254740991]),
    ).toBe(
      `SELECT '${accountId}', 42, ARRAY['Email', 'Mcd7']::text[]::text[], 0, 1, 2, 3, 4, 5, 9007199254740991 WHERE a = '${accountId}'`,
    );
  });

  it('writes an empty array as an empty text[]', () => {
    expect(writtenOut(statement('SELECT unnest($1::text[])'), [[]])).toBe(
      'SELECT unnest(ARRAY[]::text[]::text[])',
    );
  });

  it.each([
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['an unsafe integer', 2 ** 53],
    ['a text that could end its literal', "x'; DROP TABLE t; --"],
    ['a text with whitespace', 'two words'],
    ['an array with a text that is not plain', ['plain', "it's"]],
    ['null', null],
    ['a boolean', true],
    ['a date', new Date(0)],
    ['bytes', Buffer.from('x')],
  ])('writes out nothing when one value is %s', (_, value) => {
    expect(writtenOut(statement('SELECT $1, $2'), [1, value])).toBeUndefined();
  });
});
