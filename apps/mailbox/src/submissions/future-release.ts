import { type SetError, setError } from '@pushmail/jmap';

/** The MAIL FROM parameters of FUTURERELEASE (RFC 4865): hold for so many seconds, or until a time. */
export const HOLD_PARAMETERS: ReadonlySet<string> = new Set(['HOLDFOR', 'HOLDUNTIL']);

// RFC 3339 date-time, as RFC 4865 §3 takes it for HOLDUNTIL.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * When a submission whose MAIL FROM carries `parameters` is to go out: `now` without a hold, else
 * HOLDFOR seconds after `now` or at HOLDUNTIL (a time already past releases at once, RFC 4865 §4).
 * A hold past `maxHoldSeconds`, both parameters at once, or a malformed value is refused as an
 * invalid envelope (RFC 8621 §7.5).
 */
export function releaseTimeOf(
  parameters: Readonly<Record<string, string | null>> | null,
  now: Date,
  maxHoldSeconds: number,
): { ok: true; releaseAt: Date } | { ok: false; error: SetError } {
  const invalid = (description: string) => ({
    ok: false as const,
    error: setError('invalidProperties', description, { properties: ['envelope'] }),
  });
  const holdFor = parameters?.['HOLDFOR'];
  const holdUntil = parameters?.['HOLDUNTIL'];
  if (holdFor === undefined && holdUntil === undefined) return { ok: true, releaseAt: now };
  if (maxHoldSeconds === 0) return invalid('FUTURERELEASE is not offered here');
  if (holdFor !== undefined && holdUntil !== undefined)
    return invalid('"envelope.mailFrom.parameters" may hold HOLDFOR or HOLDUNTIL, not both');
  let releaseAt: Date;
  if (holdFor !== undefined) {
    if (holdFor === null || !/^\d{1,10}$/.test(holdFor))
      return invalid('HOLDFOR must be a whole number of seconds');
    releaseAt = new Date(now.getTime() + Number(holdFor) * 1000);
  } else {
    if (holdUntil === null || !DATE_TIME.test(holdUntil ?? '') || Number.isNaN(Date.parse(holdUntil!)))
      return invalid('HOLDUNTIL must be an RFC 3339 date-time');
    releaseAt = new Date(Math.max(now.getTime(), Date.parse(holdUntil!)));
  }
  if (releaseAt.getTime() - now.getTime() > maxHoldSeconds * 1000)
    return invalid(`a submission may be held at most ${maxHoldSeconds} seconds (maxDelayedSend)`);
  return { ok: true, releaseAt };
}
