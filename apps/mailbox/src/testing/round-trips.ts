import type pg from 'pg';
import type { DataSource } from 'typeorm';

const REPEATABLE_READ = 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ';
const ENDS_A_TRANSACTION = /\b(COMMIT|ROLLBACK)\s*;?\s*$/;

/**
 * What the service's connections send to PostgreSQL, one text per round trip: every call of a pooled
 * client's `query` is one message and one answer (a simple query of one or more statements, or a
 * prepared statement with its sync). Each client is watched from the first time the pool hands it out.
 */
export class RoundTrips {
  private readonly sent: Array<{ client: pg.PoolClient; text: string }> = [];
  private readonly watched = new WeakSet<pg.PoolClient>();

  constructor(dataSource: DataSource) {
    const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
    pool.on('acquire', (client) => this.watch(client));
  }

  /**
   * The round trips of the first REPEATABLE READ transaction that `run` begins (a read-only JMAP
   * request's snapshot), from its BEGIN to its COMMIT, with what `run` returned.
   */
  async ofSnapshot<T>(run: () => Promise<T>): Promise<{ result: T; trips: string[] }> {
    this.sent.length = 0;
    const result = await run();
    const begin = this.sent.findIndex(({ text }) => text.startsWith(REPEATABLE_READ));
    if (begin < 0) throw new Error('no REPEATABLE READ transaction began');
    const { client } = this.sent[begin]!;
    const trips: string[] = [];
    for (const sent of this.sent.slice(begin)) {
      if (sent.client !== client) continue;
      trips.push(sent.text);
      if (ENDS_A_TRANSACTION.test(sent.text)) return { result, trips };
    }
    throw new Error(`the transaction did not end: ${JSON.stringify(trips)}`);
  }

  private watch(client: pg.PoolClient): void {
    if (this.watched.has(client)) return;
    this.watched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const sent = this.sent;
    Object.assign(client, {
      query(...args: unknown[]) {
        const [first] = args;
        sent.push({ client, text: typeof first === 'string' ? first : (first as { text: string }).text });
        return query(...args);
      },
    });
  }
}
