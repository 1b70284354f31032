import { describe, expect, it } from 'vitest';
import { addressSortKey, baseSubject, subjectSortKey } from './sort-keys.js';

describe(baseSubject.name, () => {
  it('strips reply and forward prefixes, list tags and trailers, repeatedly', () => {
    expect(baseSubject('Re: Fwd: RE: Lunch')).toBe('Lunch');
    expect(baseSubject('[team] Re[2]: Lunch')).toBe('Lunch');
    expect(baseSubject('AW: Lunch (fwd)')).toBe('Lunch');
    expect(baseSubject('  Lunch   plans ')).toBe('Lunch plans');
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
