import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Checks that `fast` gives what `reference` (the plain way to write it, often quadratic) gives on
 * every string joined from up to 12 of `pieces`: pieces chosen to make the edge cases of the patterns.
 */
export function expectSameAsReference(
  pieces: readonly string[],
  fast: (value: string) => unknown,
  reference: (value: string) => unknown,
): void {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (chosen) => {
      const value = chosen.join('');
      expect(fast(value)).toBe(reference(value));
    }),
    { numRuns: 2000 },
  );
}
