import { describe, expect, it } from 'vitest';
import { expectSameAsReference } from '../testing/reference-property.js';
import { addressSortKey, baseSubject, subjectSortKey } from './sort-keys.js';

describe(baseSubject.name, () => {
  it.each([
    ['Re: Fwd: RE: Lunch', 'Lunch'],
    ['[team] Re[2]: Lunch', 'Lunch'],
    ['AW: Lunch (fwd)', 'Lunch'],
    ['  Lunch   plans ', 'Lunch plans'],
  ])('strips reply and forward prefixes, list tags and trailers, repeatedly: %j is %j', (subject, base) => {
    expect(baseSubject(subject)).toBe(base);
  });

  it('strips exactly what stripping prefix and trailer patterns until nothing changes strips', () => {
    // The plain way to write it, quadratic in the number of markers: the reference for short subjects.
    const prefix = /^\s*(?:\[[^\]]*\]\s*)?(?:(?:re|fwd?|aw|sv|antw|vs|wg)(?:\s*\[\d+\])?\s*:\s*)+/i;
    const trailer = /\s*\((?:fwd)\)\s*$/i;
    const reference = (subject: string): string => {
      let value = subject.replace(/\s+/g, ' ').trim();
      for (;;) {
        const stripped = value.replace(prefix, '').replace(trailer, '').trim();
        if (stripped === value) return value;
        value = stripped;
      }
    };
    const pieces = [
      'Re:',
      'RE :',
      'fwd:',
      'Fw:',
      'AW:',
      're[2]:',
      '[list]',
      '[',
      ']',
      '(fwd)',
      '(FWD)',
      ' ',
      '\t',
      'x',
      'Lunch',
      ':',
      '(',
      'é',
    ];
    expectSameAsReference(pieces, baseSubject, reference);
  });

  it('keeps a subject that only looks like a prefix', () => {
    expect(baseSubject('Release notes')).toBe('Release notes');
    expect(baseSubject('Re:')).toBe('');
    expect(baseSubject(null)).toBe('');
  });
});

describe(subjectSortKey.name, () => {
  it('folds case so sorting ignores it', () => {
    expect(subjectSortKey('Re: ÉTÉ')).toBe('été');
  });
});

describe(addressSortKey.name, () => {
  it('uses the first name, else its email, else nothing', () => {
    expect(
      addressSortKey([
        { name: 'Zoë', email: 'a@x' },
        { name: 'Al', email: 'b@x' },
      ]),
    ).toBe('zoë');
    expect(addressSortKey([{ name: ' ', email: 'Bob@X.org' }])).toBe('bob@x.org');
    expect(addressSortKey(null)).toBe('');
    expect(addressSortKey([])).toBe('');
  });
});
