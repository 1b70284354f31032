/** How much text around the first match a preview shows (RFC 8621 §5: at most 255 characters). */
const PREVIEW_LENGTH = 255;
const CONTEXT_BEFORE = 60;

export interface Snippet {
  subject: string | null;
  preview: string | null;
}

/**
 * A SearchSnippet (RFC 8621 §5): the subject and a stretch of the body where the search terms occur,
 * HTML-escaped, each occurrence in `<mark>`; null where nothing matched.
 */
export function searchSnippet(
  terms: readonly string[],
  subject: string | null,
  body: string | null,
): Snippet {
  const matcher = termsPattern(terms);
  if (!matcher) return { subject: null, preview: null };
  return {
    subject: subject !== null && matcher.test(subject) ? highlight(subject, matcher) : null,
    preview: body === null ? null : previewOf(body.replace(/\s+/g, ' ').trim(), matcher),
  };
}

function termsPattern(terms: readonly string[]): RegExp | null {
  const words = terms
    .flatMap((term) => term.split(/\s+/))
    .filter((word) => word.length > 0)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return null;
  // Longest first, so a word is not cut short by a shorter one it starts with.
  return new RegExp(`(${words.sort((a, b) => b.length - a.length).join('|')})`, 'iu');
}

function previewOf(body: string, matcher: RegExp): string | null {
  const match = matcher.exec(body);
  if (!match) return null;
  const characters = Array.from(body);
  const matchStart = Array.from(body.slice(0, match.index)).length;
  const start = Math.max(0, matchStart - CONTEXT_BEFORE);
  const window = characters.slice(start, start + PREVIEW_LENGTH).join('');
  return `${start > 0 ? '…' : ''}${highlight(window, matcher)}`;
}

function highlight(text: string, matcher: RegExp): string {
  const global = new RegExp(matcher.source, 'giu');
  let result = '';
  let last = 0;
  for (const match of text.matchAll(global)) {
    result += escapeHtml(text.slice(last, match.index)) + `<mark>${escapeHtml(match[0])}</mark>`;
    last = match.index + match[0].length;
  }
  return result + escapeHtml(text.slice(last));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
