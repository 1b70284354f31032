import { describe, expect, it } from 'vitest';
import { escapeHtml, searchSnippet } from './search-snippet.js';

describe(searchSnippet.name, () => {
  it('marks every occurrence in the subject, whatever the case', () => {
    expect(searchSnippet(['lunch'], 'Lunch? lunch!', null)).toEqual({
      subject: '<mark>Lunch</mark>? <mark>lunch</mark>!',
      preview: null,
    });
  });

  it('shows the body around the first match, escaped', () => {
    const body = `${'word '.repeat(40)}the <b>menu</b> for lunch is ready`;
    const { preview, subject } = searchSnippet(['menu'], 'Plans', body);
    expect(subject).toBeNull();
    expect(preview!.startsWith('…')).toBe(true);
    expect(preview).toContain('&#60;b&#62;<mark>menu</mark>&#60;/b&#62;');
    expect(Array.from(preview!.replace(/<\/?mark>/g, '')).length).toBeLessThanOrEqual(256 + 30);
  });

  it('answers null where nothing matched, and for no terms', () => {
    expect(searchSnippet(['absent'], 'Plans', 'nothing here')).toEqual({ subject: null, preview: null });
    expect(searchSnippet([], 'Plans', 'x')).toEqual({ subject: null, preview: null });
  });

  it('treats regular expression characters in terms literally', () => {
    expect(searchSnippet(['a+b'], 'is a+b here', null).subject).toBe('is <mark>a+b</mark> here');
  });
});

describe(escapeHtml.name, () => {
  it('escapes markup', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});
