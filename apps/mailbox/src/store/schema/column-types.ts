import type { ColumnType } from 'kysely';

// The column types schema.generated.ts is written in: what node-postgres returns and accepts.

/** A column with a default: optional on insert. Unlike Kysely's own, it keeps a ColumnType's sides. */
export type Generated<T> =
  T extends ColumnType<infer S, infer I, infer U>
    ? ColumnType<S, I | undefined, U>
    : ColumnType<T, T | undefined, T>;

/** PostgreSQL returns bigint as a string; modseqs stay far below 2^53, so callers convert with Number. */
export type Int8 = ColumnType<string, number | string, number | string>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** Read as parsed JSON; written as JSON text (node-postgres would send a JS array as a SQL array). */
export type Json = ColumnType<unknown, string, string>;
