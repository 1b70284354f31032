import type { ValueTransformer } from 'typeorm';

/**
 * Postgres returns bigint as a string. Revisions stay far below 2^53, and the event contracts carry
 * them as JSON numbers, so the entities hold numbers.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
