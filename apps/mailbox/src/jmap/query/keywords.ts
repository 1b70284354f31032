/**
 * RFC 8621 §4.1.1: 1 to 255 characters from %x21-%x7e except ( ) { ] % * " \ , compared without
 * case; stored lowercased. Null for a keyword that is not valid.
 */
export function normalizeKeyword(keyword: unknown): string | null {
  if (typeof keyword !== 'string' || keyword.length === 0 || keyword.length > 255) return null;
  if (!/^[\x21-\x7e]+$/.test(keyword) || /[(){\]%*"\\]/.test(keyword)) return null;
  return keyword.toLowerCase();
}
