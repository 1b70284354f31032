import { describe, expect, it } from 'vitest';
import type { HeldItem } from './entities/sync-state.entity.js';
import { heldDelta } from './sync-store.js';

const item = (read: boolean, flagged = false): HeldItem => ({ read, flagged });

/** The delta applied as the statement applies it: the removed ids dropped, the set ones merged in. */
function applied(before: Record<string, HeldItem>, delta: ReturnType<typeof heldDelta>) {
  const result = { ...before };
  for (const id of delta.removed) delete result[id];
  return { ...result, ...delta.set };
}

describe('heldDelta', () => {
  it('holds the ids no longer held, and the new and changed ones with their flags now', () => {
    const before = { a: item(false), b: item(true), c: item(false, true), d: item(false) };
    const after = { a: item(false), b: item(false), c: item(false, false), e: item(true, true) };
    const delta = heldDelta(before, after);
    expect(delta).toEqual({ removed: ['d'], set: { b: item(false), c: item(false), e: item(true, true) } });
    expect(applied(before, delta)).toEqual(after);
  });

  it('holds an item whose receivedAt is kept now, though its flags did not change', () => {
    const before = { a: item(false), b: { ...item(true), receivedAt: '2026-12-01T00:00:00Z' } };
    const after = { a: { ...item(false), receivedAt: '2026-12-02T00:00:00Z' }, b: before.b };
    const delta = heldDelta(before, after);
    expect(delta).toEqual({ removed: [], set: { a: after.a } });
    expect(applied(before, delta)).toEqual(after);
  });

  it('is empty when nothing changed, and the whole of what is held after starting from nothing', () => {
    const held = { a: item(true), b: item(false, true) };
    expect(heldDelta(held, { ...held })).toEqual({ removed: [], set: {} });
    expect(heldDelta({}, held)).toEqual({ removed: [], set: held });
    expect(heldDelta(held, {})).toEqual({ removed: ['a', 'b'], set: {} });
  });
});
