import { describe, expect, it } from 'vitest';
import { invalidOof } from './out-of-office.js';

describe(invalidOof.name, () => {
  it('accepts a plain or time-based setting and refuses one that cannot be kept as given', () => {
    expect(invalidOof({ state: 1, messages: [{ audience: 'internal', enabled: true }] })).toBeUndefined();
    expect(
      invalidOof({
        state: 2,
        startTime: '2026-12-20T00:00:00Z',
        endTime: '2026-12-24T00:00:00Z',
        messages: [],
      }),
    ).toBeUndefined();
    expect(invalidOof({ state: 2, messages: [] })).toMatch(/StartTime and EndTime/);
    expect(
      invalidOof({
        state: 2,
        startTime: '2026-12-24T00:00:00Z',
        endTime: '2026-12-20T00:00:00Z',
        messages: [],
      }),
    ).toMatch(/before/);
    expect(
      invalidOof({
        state: 1,
        messages: [
          { audience: 'internal', enabled: true },
          { audience: 'internal', enabled: false },
        ],
      }),
    ).toMatch(/same audience/);
  });
});
