import { describe, expect, it } from 'vitest';
import { releaseTimeOf } from './future-release.js';

const now = new Date('2030-01-02T03:04:05.000Z');
const DAY = 86_400;

describe(releaseTimeOf.name, () => {
  it('releases at once without a hold, or for a time already past', () => {
    expect(releaseTimeOf(null, now, DAY)).toEqual({ ok: true, releaseAt: now });
    expect(releaseTimeOf({ HOLDUNTIL: '2029-12-31T00:00:00Z' }, now, DAY)).toEqual({
      ok: true,
      releaseAt: now,
    });
  });

  it('holds for HOLDFOR seconds, or until HOLDUNTIL in any zone', () => {
    expect(releaseTimeOf({ HOLDFOR: '3600' }, now, DAY)).toEqual({
      ok: true,
      releaseAt: new Date('2030-01-02T04:04:05.000Z'),
    });
    expect(releaseTimeOf({ HOLDUNTIL: '2030-01-02T09:00:00+02:00' }, now, DAY)).toEqual({
      ok: true,
      releaseAt: new Date('2030-01-02T07:00:00.000Z'),
    });
    expect(releaseTimeOf({ HOLDFOR: String(DAY) }, now, DAY).ok).toBe(true);
  });

  it('refuses a hold past the maximum, both parameters, malformed values, and any hold when none is offered', () => {
    const refusals = [
      releaseTimeOf({ HOLDFOR: String(DAY + 1) }, now, DAY),
      releaseTimeOf({ HOLDUNTIL: '2030-01-03T03:04:06Z' }, now, DAY),
      releaseTimeOf({ HOLDFOR: '60', HOLDUNTIL: '2030-01-02T04:00:00Z' }, now, DAY),
      releaseTimeOf({ HOLDFOR: '-5' }, now, DAY),
      releaseTimeOf({ HOLDFOR: null }, now, DAY),
      releaseTimeOf({ HOLDUNTIL: 'tomorrow' }, now, DAY),
      releaseTimeOf({ HOLDUNTIL: '2030-02-30T00:00:00Z' }, now, DAY),
      releaseTimeOf({ HOLDFOR: '60' }, now, 0),
    ];
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({
        ok: false,
        error: { type: 'invalidProperties', properties: ['envelope'] },
      });
    }
  });
});
