import { QueryFailedError } from 'typeorm';

/** Whether a statement failed on a unique constraint (PostgreSQL 23505): the row it would add exists. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
