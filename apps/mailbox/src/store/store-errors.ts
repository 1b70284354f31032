import { QueryFailedError } from 'typeorm';

/**
 * Whether a database error would happen again however often the same data is retried: a data
 * exception (class 22), a constraint violation (23) or a program limit (54). Everything else (a
 * lost connection, a deadlock, a server shutting down) is worth retrying, and so is an error this
 * cannot classify: a stalled partition can be fixed, a dropped message cannot.
 */
export function isPermanentStoreError(error: unknown): boolean {
  const code = postgresErrorCode(error);
  return code !== undefined && ['22', '23', '54'].includes(code.slice(0, 2));
}

export function postgresErrorCode(error: unknown): string | undefined {
  const source = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (typeof source !== 'object' || source === null) return undefined;
  const code = (source as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
