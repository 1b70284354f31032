import type { ValueTransformer } from 'typeorm';

/**
 * Postgres returns bigint as a string. Modseqs stay far below 2^53 (one per change transaction),
 * so the entities hold numbers.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
