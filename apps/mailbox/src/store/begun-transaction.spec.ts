import { describe, expect, it } from 'vitest';
import { plainTextArray } from './begun-transaction.js';

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
