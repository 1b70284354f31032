import fc from 'fast-check';

/** Strings with the code units PostgreSQL refuses mixed in: lone surrogates and NUL. */
export const hostileString = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u0000', '😀', '\ud83d', '\ude00'),
    ),
    { maxLength: 8 },
  )
  .map((pieces) => pieces.join(''));

/** What PostgreSQL stores in text and jsonb: well-formed UTF-16, no NUL. */
export function isStorable(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}
