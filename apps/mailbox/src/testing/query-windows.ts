import { expect } from 'vitest';

/**
 * Expects Email/query of each of `queries` (`ask`, with calculateTotal, given the query and a
 * window's arguments) to answer what numbering every result in `expectedOf` it would: the first page
 * with the total, a page at position 1000, the last ten by a negative position, anchors at the top,
 * inside and at the end with a negative offset, and an anchor with a positive offset. A query's
 * `name` names it in failures.
 */
export async function expectNumberedWindows<Q extends { name: string }>(
  queries: readonly Q[],
  expectedOf: (query: Q) => Promise<string[]>,
  ask: (query: Q, window: Record<string, unknown>) => Promise<Record<string, unknown>>,
  page: number,
): Promise<void> {
  for (const query of queries) {
    await expectWindowsOf((window) => ask(query, window), await expectedOf(query), page, query.name);
  }
}

async function expectWindowsOf(
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
