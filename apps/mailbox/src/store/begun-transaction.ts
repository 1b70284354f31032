import type { DataSource, EntityManager } from 'typeorm';

/**
 * A text value made only of characters that cannot end a string literal or start a comment
 * (no quote, backslash or whitespace), which may be written into a statement's text in quotes.
 * A delivery id (a hex digest) is one.
 */
const PLAIN_TEXT = /^[A-Za-z0-9._:@+=/-]{1,200}$/;

/** `values` written out as a `text[]` literal, or undefined when one of them is not plain. */
export function plainTextArray(values: readonly string[]): string | undefined {
  if (!values.every((value) => PLAIN_TEXT.test(value))) return undefined;
  return `ARRAY[${values.map((value) => `'${value}'`).join(', ')}]::text[]`;
}

/**
 * A value written out as a literal: a non-negative safe integer, a plain text (an account id that
 * `isUuid` accepts is one) or an array of plain texts; undefined for anything else.
 */
function literal(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value === 'string') return PLAIN_TEXT.test(value) ? `'${value}'` : undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return plainTextArray(value);
  return undefined;
}

/**
 * A statement of ours with its parameters ($1, $2, ...) written into its text, or undefined when
 * one of its values cannot be (see `literal`). Its own text must have no `$` but its parameters'.
 */
export function writtenOut<V>(
  statement: { readonly text: string; parameters(values: V): unknown[] },
  values: V,
): string | undefined {
  const literals = statement.parameters(values).map(literal);
  if (literals.some((written) => written === undefined)) return undefined;
  return statement.text.replace(/\$(\d+)/g, (_, position: string) => literals[Number(position) - 1]!);
}

/**
 * The first statement of a transaction, which goes with its BEGIN in one round trip when its values
 * can be written out (`inline`: only values checked by `isUuid` or plainTextArray, and the log's types
 * and integers checked by inlineChangesSince, ever are), and otherwise runs with its values as
 * parameters after a BEGIN of its own. An `inline` of several statements gives the rows of each, one
 * statement's after the other's.
 */
export type FirstStatement<R> =
  { readonly inline: string } | { readonly inline: undefined; run(manager: EntityManager): Promise<R[]> };

interface PgSimpleClient {
  query(text: string): Promise<Array<{ rows: unknown[] }>>;
}

export type Begin = 'START TRANSACTION' | 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ';

/**
 * What `work` hands back: its result, and the transaction's last statement when it left one to go
 * with the COMMIT. `last` is written out as FirstStatement's `inline` is (see writtenOut), and its
 * rows are not read: it must be the last thing the transaction does.
 */
export interface Ending<T> {
  readonly result: T;
  readonly last?: string | undefined;
}

/**
 * Runs `work` in a transaction whose BEGIN and first statement go to PostgreSQL in one round trip
 * (two statements in one simple query) where they can, and in two where they cannot; so do the
 * last statement `work` hands back and the COMMIT. Each round trip wakes the service and a
 * backend: a transaction per message began with two of them, and ended with two.
 * `dataSource.transaction` cannot: it sends its BEGIN alone (and with an isolation level, a SET
 * after it). Committed when `work` returns, rolled back when it throws or its last statement
 * fails (PostgreSQL runs none of a simple query's statements after one that failed, so the COMMIT
 * is not reached); the connection goes back to the pool either way. `work` must not open a
 * transaction of its own on the manager.
 */
export async function transactionBegunWith<T, R>(
  dataSource: DataSource,
  begin: Begin,
  first: FirstStatement<R> | undefined,
  work: (manager: EntityManager, firstRows: R[] | undefined) => Promise<Ending<T>>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    try {
      let rows: R[] | undefined;
      if (first?.inline !== undefined) {
        const client = (await runner.connect()) as PgSimpleClient;
        const [, ...reads] = await client.query(`${begin}; ${first.inline}`);
        rows = reads.flatMap((read) => read.rows) as R[];
      } else {
        await runner.query(begin);
        if (first !== undefined) rows = await first.run(runner.manager);
      }
      const ending = await work(runner.manager, rows);
      if (ending.last === undefined) await runner.query('COMMIT');
      else await ((await runner.connect()) as PgSimpleClient).query(`${ending.last}; COMMIT`);
      return ending.result;
    } catch (error) {
      // Also when the first statement failed after its BEGIN, or the last before its COMMIT: the
      // connection must not go back to the pool inside an aborted transaction. A ROLLBACK outside
      // one is only a warning.
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}
