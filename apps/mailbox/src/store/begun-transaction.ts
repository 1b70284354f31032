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
 * Runs `work` in a transaction whose BEGIN and first statement go to PostgreSQL in one round trip
 * (two statements in one simple query) where they can, and in two where they cannot. Each round
 * trip wakes the service and a backend: a transaction per message began with two of them.
 * `dataSource.transaction` cannot: it sends its BEGIN alone (and with an isolation level, a SET
 * after it). Committed when `work` returns, rolled back when it throws; the connection goes back
 * to the pool either way. `work` must not open a transaction of its own on the manager.
 */
export async function transactionBegunWith<T, R>(
  dataSource: DataSource,
  begin: Begin,
  first: FirstStatement<R> | undefined,
  work: (manager: EntityManager, firstRows: R[] | undefined) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    let result: T;
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
      result = await work(runner.manager, rows);
      await runner.query('COMMIT');
    } catch (error) {
      // Also when the first statement failed after its BEGIN: the connection must not go back to
      // the pool inside an aborted transaction. A ROLLBACK outside one is only a warning.
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return result;
  } finally {
    await runner.release();
  }
}
