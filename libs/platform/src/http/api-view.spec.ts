import { describe, expect, it } from 'vitest';
import { apiView } from './api-view.js';

describe(apiView.name, () => {
  it('keeps the named fields in their order, dates as ISO strings and nulls as nulls', () => {
    const row = {
      id: 'r1',
      note: null as string | null,
      createdAt: new Date('2026-03-14T12:00:00.000Z'),
      confirmedAt: null as Date | null,
      secret: 'never shown',
    };
    const view = apiView(row, ['id', 'createdAt', 'confirmedAt', 'note']);
    expect(view).toEqual({ id: 'r1', createdAt: '2026-03-14T12:00:00.000Z', confirmedAt: null, note: null });
    expect(Object.keys(view)).toEqual(['id', 'createdAt', 'confirmedAt', 'note']);
    expect(view).not.toHaveProperty('secret');
  });
});
