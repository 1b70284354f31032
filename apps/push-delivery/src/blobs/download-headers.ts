/** A media type as RFC 6838 allows, with optional parameters; anything else is not echoed back. */
const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** The Content-Type of a download: what the client asked for (`accept`, RFC 8620 §6.2) if valid. */
export function downloadType(accept: string | undefined, stored: string): string {
  if (accept !== undefined && MEDIA_TYPE.test(accept.trim())) return accept.trim();
  return MEDIA_TYPE.test(stored) ? stored : 'application/octet-stream';
}

/**
 * Content-Disposition naming the file (RFC 6266): an ASCII fallback and the exact name in RFC 5987
 * encoding, so no header injection or mangled name is possible whatever the client put in the URL.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_').slice(0, 200) || 'download';
  const encoded = encodeURIComponent(name.slice(0, 255)).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
