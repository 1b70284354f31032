import { describe, expect, it } from 'vitest';
import { MAX_SEARCH_RESULTS, searchRange, searchText } from './search-request.js';

describe(searchRange.name, () => {
  it('reads first-last as zero-based and inclusive, and 0-99 when there is no Range', () => {
    expect(searchRange('10-19')).toEqual({ first: 10, count: 10 });
    expect(searchRange(undefined)).toEqual({ first: 0, count: 100 });
  });

  it('caps a wide Range at the most a request returns, and a reversed one at one result', () => {
    expect(searchRange('5-100000')).toEqual({ first: 5, count: MAX_SEARCH_RESULTS });
    expect(searchRange('20-3')).toEqual({ first: 20, count: 1 });
  });

  it('refuses a Range that is not two numbers of up to six digits', () => {
    for (const range of ['', '1', '-5', '1-', 'a-b', '1-2-3', '1234567-1234568']) {
      expect(searchRange(range), range).toBeUndefined();
    }
  });
});

describe(searchText.name, () => {
  it('trims the free text and refuses it empty or longer than 256 characters', () => {
    expect(searchText('  invoice ')).toBe('invoice');
    expect(searchText('x'.repeat(256))).toHaveLength(256);
    expect(searchText('x'.repeat(257))).toBeUndefined();
    expect(searchText('   ')).toBeUndefined();
    expect(searchText(undefined)).toBeUndefined();
  });
});
