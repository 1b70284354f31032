import type { ValueTransformer } from 'typeorm';

/** Policy keys are 32-bit unsigned: stored as bigint, read back as numbers. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
