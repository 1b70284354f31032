import { isObject, type SetError, setError } from '@pushmail/jmap';
import { normalizeKeyword } from '../query/keywords.js';

export interface MutableEmail {
  keywords: Record<string, boolean>;
  mailboxIds: Record<string, boolean>;
}

export type PatchOutcome = { ok: true; email: MutableEmail } | { ok: false; error: SetError };

/** Every property of an Email except these is immutable once the email exists (RFC 8621 §4.1). */
const MUTABLE = ['keywords', 'mailboxIds'] as const;

/**
 * Applies an Email/set update (a PatchObject, RFC 8620 §5.3) to an email's keywords and mailboxes.
 * A path replaces a whole property (`keywords`) or sets one member (`keywords/$seen`: true, or null to
 * remove it). `resolveId` maps `#creationId` references to created mailbox ids.
 */
export function applyEmailPatch(
  current: MutableEmail,
  patch: unknown,
  resolveId: (id: string) => string | undefined = (id) => id,
): PatchOutcome {
  if (!isObject(patch)) return fail('invalidPatch', 'the update must be a PatchObject');
  const paths = Object.keys(patch);
  const whole = new Set(paths.filter((path) => !path.includes('/')));
  for (const path of paths) {
    const [root] = path.split('/');
    if (path.includes('/') && whole.has(root!)) {
      return fail('invalidPatch', `"${path}" patches inside "${root}", which is also replaced`);
    }
  }
  const next: MutableEmail = { keywords: { ...current.keywords }, mailboxIds: { ...current.mailboxIds } };
  const invalidProperties: string[] = [];

  for (const [path, value] of Object.entries(patch)) {
    const slash = path.indexOf('/');
    const root = slash < 0 ? path : path.slice(0, slash);
    if (!(MUTABLE as readonly string[]).includes(root)) {
      invalidProperties.push(root);
      continue;
    }
    const property = root as (typeof MUTABLE)[number];
    if (slash < 0) {
      const replaced = readSet(property, value, resolveId);
      if (replaced === null) invalidProperties.push(property);
      else next[property] = replaced;
      continue;
    }
    const member = unescapePointer(path.slice(slash + 1));
    if (member === null) return fail('invalidPatch', `"${path}" is not a valid patch path`);
    const key = property === 'keywords' ? normalizeKeyword(member) : resolveId(member);
    if (key === null || key === undefined) {
      invalidProperties.push(property);
      continue;
    }
    // `false` is taken as removal too: clients send it, and a keyword set to false means absent.
    if (value === null || value === false) delete next[property][key];
    else if (value === true) next[property][key] = true;
    else invalidProperties.push(property);
  }

  if (invalidProperties.length > 0) {
    return fail('invalidProperties', 'these properties cannot be set to these values', [
      ...new Set(invalidProperties),
    ]);
  }
  if (Object.keys(next.mailboxIds).length === 0) {
    return fail('invalidProperties', 'an email must stay in at least one mailbox', ['mailboxIds']);
  }
  return { ok: true, email: next };
}

/** A `keywords` or `mailboxIds` value: an object whose values are all true. Null when invalid. */
export function readSet(
  property: 'keywords' | 'mailboxIds',
  value: unknown,
  resolveId: (id: string) => string | undefined = (id) => id,
): Record<string, boolean> | null {
  if (!isObject(value)) return null;
  const result: Record<string, boolean> = {};
  for (const [key, flag] of Object.entries(value)) {
    if (flag !== true) return null;
    const normalized = property === 'keywords' ? normalizeKeyword(key) : resolveId(key);
    if (normalized === null || normalized === undefined) return null;
    result[normalized] = true;
  }
  return result;
}

/** One reference token of a JSON Pointer (RFC 6901): `~1` is `/`, `~0` is `~`; a bare `/` is not allowed. */
function unescapePointer(token: string): string | null {
  if (token.length === 0 || token.includes('/') || /~[^01]|~$/.test(token)) return null;
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function fail(
  type: 'invalidPatch' | 'invalidProperties',
  description: string,
  properties?: string[],
): PatchOutcome {
  return { ok: false, error: setError(type, description, properties ? { properties } : {}) };
}
