/**
 * A Sync's window: how old a message may be to be seen on the device (EAS FilterType and the
 * policy's window, whichever is narrower), and when what a device holds within one window can be
 * brought up to date from the account's changes instead of a listing.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** EAS FilterType (1 day ... 1 month) in days; 0 and unknown: no limit. */
const FILTER_DAYS: Record<number, number> = { 1: 1, 2: 3, 3: 7, 4: 14, 5: 31 };

/** No window: messages of any age are seen. */
export const ANY_AGE = 0;

/** The window in days, the narrower of the FilterType's and the policy's; `ANY_AGE` when neither sets one. */
export function windowDaysOf(filterType: number | undefined, policyDays: number | null | undefined): number {
  const windows = [
    filterType === undefined ? undefined : FILTER_DAYS[filterType],
    policyDays ?? undefined,
  ].filter((days): days is number => days !== undefined && days > 0);
  return windows.length > 0 ? Math.min(...windows) : ANY_AGE;
}

/** The oldest a message may be received to be seen, `days` before `now`; undefined: any age. */
export function windowStartOf(days: number, now = Date.now()): Date | undefined {
  return days === ANY_AGE ? undefined : new Date(now - days * DAY_MS);
}

/**
 * Whether a message received at `receivedAt` is within a window starting at `start`: on or after
 * it, as mailbox's `after` filter (RFC 8621 §4.4.1) that lists the window. Undefined when the
 * window has a start and the time is not known (nothing is guessed).
 */
export function inWindow(receivedAt: string | undefined, start: Date | undefined): boolean | undefined {
  if (start === undefined) return true;
  const time = receivedAt === undefined ? Number.NaN : Date.parse(receivedAt);
  return Number.isNaN(time) ? undefined : time >= start.getTime();
}

/**
 * Whether what a device holds, answered within a window of `heldDays` (null: not known, as for a
 * collection answered before the window was kept), can be brought to a window of `days` from the
 * account's changes alone. Only when the window's start has not moved back: a message ages out of
 * a window without a change saying so (the changes path drops it by its receivedAt), but one older
 * than the window the device was answered with enters a wider window without any change either,
 * and only a listing finds it.
 */
export function followsWindow(heldDays: number | null, days: number): boolean {
  if (heldDays === null) return false;
  if (heldDays === ANY_AGE) return true;
  return days !== ANY_AGE && days <= heldDays;
}
