import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isPermanentStoreError } from './store-errors.js';

const failed = (code: string): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error('boom'), { code }));

describe(isPermanentStoreError.name, () => {
  it('treats bad data and violated constraints as permanent', () => {
    expect(isPermanentStoreError(failed('22021'))).toBe(true);
    expect(isPermanentStoreError(failed('23514'))).toBe(true);
    expect(isPermanentStoreError(failed('54000'))).toBe(true);
  });

  it('retries outages, deadlocks and anything it cannot classify', () => {
    expect(isPermanentStoreError(failed('08006'))).toBe(false);
    expect(isPermanentStoreError(failed('40P01'))).toBe(false);
    expect(isPermanentStoreError(failed('57P01'))).toBe(false);
    expect(isPermanentStoreError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isPermanentStoreError(new Error('unknown'))).toBe(false);
  });
});
