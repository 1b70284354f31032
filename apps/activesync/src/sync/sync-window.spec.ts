import { describe, expect, it } from 'vitest';
import { ANY_AGE, followsWindow, inWindow, windowDaysOf, windowStartOf } from './sync-window.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('windowDaysOf', () => {
  it('takes the days of each FilterType, 0 and unknown ones setting no window', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 8, undefined].map((filter) => windowDaysOf(filter, null))).toEqual([
      ANY_AGE,
      1,
      3,
      7,
      14,
      31,
      ANY_AGE,
      ANY_AGE,
      ANY_AGE,
    ]);
  });

  it("takes the narrower of the FilterType's and the policy's", () => {
    expect(windowDaysOf(5, 14)).toBe(14);
    expect(windowDaysOf(2, 14)).toBe(3);
    expect(windowDaysOf(undefined, 10)).toBe(10);
    expect(windowDaysOf(0, 10)).toBe(10);
    expect(windowDaysOf(3, undefined)).toBe(7);
  });
});

describe('windowStartOf', () => {
  it('is the window in days before now, and none for any age', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    expect(windowStartOf(7, now)?.toISOString()).toBe('2026-11-30T12:00:00.000Z');
    expect(windowStartOf(1, now)?.getTime()).toBe(now - DAY_MS);
    expect(windowStartOf(ANY_AGE, now)).toBeUndefined();
  });
});

describe('inWindow', () => {
  const start = new Date('2026-11-30T12:00:00.000Z');

  it("counts a message received at the window's start in it, as mailbox's `after` filter does", () => {
    expect(inWindow('2026-11-30T12:00:00Z', start)).toBe(true);
    expect(inWindow('2026-11-30T12:00:00.001Z', start)).toBe(true);
    expect(inWindow('2026-11-30T11:59:59.999Z', start)).toBe(false);
    expect(inWindow('2026-10-01T00:00:00Z', start)).toBe(false);
  });

  it('takes every message without a window, and guesses nothing of one whose receivedAt is not known', () => {
    expect(inWindow(undefined, undefined)).toBe(true);
    expect(inWindow('1970-01-01T00:00:00Z', undefined)).toBe(true);
    expect(inWindow(undefined, start)).toBeUndefined();
    expect(inWindow('yesterday', start)).toBeUndefined();
  });
});

describe('followsWindow', () => {
  it('follows the changes in the same window, a narrower one, or any window after none', () => {
    expect(followsWindow(7, 7)).toBe(true);
    expect(followsWindow(7, 3)).toBe(true);
    expect(followsWindow(ANY_AGE, 7)).toBe(true);
    expect(followsWindow(ANY_AGE, ANY_AGE)).toBe(true);
  });

  it('lists when the window is wider than the one held, gone, or the held one is not known', () => {
    expect(followsWindow(3, 7)).toBe(false);
    expect(followsWindow(7, ANY_AGE)).toBe(false);
    expect(followsWindow(null, 7)).toBe(false);
    expect(followsWindow(null, ANY_AGE)).toBe(false);
  });
});
