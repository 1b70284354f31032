import { expect } from 'vitest';

/**
 * Expects `ask` (one Email/query with calculateTotal, given a window's arguments) to answer what
 * numbering every result in `expected` would: the first page with the total, a page at position
 * 1000, the last ten by a negative position, anchors at the top, inside and at the end with a
 * negative offset, and an anchor with a positive offset. `label` names the query in failures.
 */
export async function expectNumberedWindows(
  ask: (window: Record<string, unknown>) => Promise<Record<string, unknown>>,
  expected: string[],
  page: number,
  label: string,
): Promise<void> {
  expect(await ask({ limit: page }), label).toMatchObject({
    ids: expected.slice(0, page),
    position: 0,
    total: expected.length,
  });
  expect(await ask({ position: 1000, limit: page }), label).toMatchObject({
    ids: expected.slice(1000, 1000 + page),
    position: 1000,
  });
  expect(await ask({ position: -10, limit: page }), label).toMatchObject({
    ids: expected.slice(-10),
    position: expected.length - 10,
  });
  for (const index of [0, 300, expected.length - 1]) {
    expect(await ask({ anchor: expected[index], anchorOffset: -5, limit: 10 }), label).toMatchObject({
      ids: expected.slice(Math.max(0, index - 5), Math.max(0, index - 5) + 10),
      position: Math.max(0, index - 5),
    });
  }
  expect(await ask({ anchor: expected[20], anchorOffset: 3, limit: 2 }), label).toMatchObject({
    ids: expected.slice(23, 25),
    position: 23,
  });
}
