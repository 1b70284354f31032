import type pg from 'pg';
import type { DataSource } from 'typeorm';

const REPEATABLE_READ = 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ';
const ENDS_A_TRANSACTION = /\b(COMMIT|ROLLBACK)\s*;?\s*$/;

/** One round trip: its text, the connection that sent it and whether PostgreSQL answered it with an error. */
interface Sent {
  readonly client: pg.PoolClient;
  readonly text: string;
  failed: boolean;
}

/** What `run` came to: what it returned, or what it threw. */
export type Outcome<T> =
  | { readonly failed: false; readonly result: T; readonly error?: never }
  | { readonly failed: true; readonly error: unknown; readonly result?: never };

/**
 * A transaction that `run` sent: its round trips, from the one that began it to the one that ended
 * it, the process id of the backend that ran it (pg_stat_activity's pid) and `run`'s outcome.
 */
export type Transaction<T> = { readonly trips: string[]; readonly pid: number } & Outcome<T>;

/**
 * What the service's connections send to PostgreSQL, one text per round trip: every call of a pooled
 * client's `query` is one message and one answer (a simple query of one or more statements, or a
 * prepared statement with its sync). Each client is watched from the first time the pool hands it out;
 * what it sends is kept while a transaction is looked for.
 */
export class RoundTrips {
  private readonly sent: Sent[] = [];
  private readonly watched = new WeakSet<pg.PoolClient>();
  private recording = false;

  constructor(dataSource: DataSource) {
    const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
    pool.on('acquire', (client) => this.watch(client));
  }

  /**
   * The first transaction that `run` begins with a round trip whose text `begins` accepts, on the
   * connection that sent it: its round trips up to the COMMIT or ROLLBACK that ended it (a round trip
   * ending in COMMIT that failed did not end it: the ROLLBACK after it did), with `run`'s outcome.
   * Throws what `run` threw when no such transaction began.
   */
  async ofTransaction<T>(run: () => Promise<T>, begins: (text: string) => boolean): Promise<Transaction<T>> {
    this.sent.length = 0;
    this.recording = true;
    let outcome: Outcome<T>;
    try {
      outcome = { failed: false, result: await run() };
    } catch (error) {
      outcome = { failed: true, error };
    } finally {
      this.recording = false;
    }
    const begin = this.sent.findIndex(({ text }) => begins(text));
    if (begin < 0) {
      if (outcome.failed) throw outcome.error;
      throw new Error('no such transaction began');
    }
    const { client } = this.sent[begin]!;
    const pid = (client as pg.PoolClient & { processID: number }).processID;
    const trips: string[] = [];
    for (const sent of this.sent.slice(begin)) {
      if (sent.client !== client) continue;
      trips.push(sent.text);
      if (!sent.failed && ENDS_A_TRANSACTION.test(sent.text)) return { ...outcome, trips, pid };
    }
    throw new Error(`the transaction did not end: ${JSON.stringify(trips)}`, {
      cause: outcome.failed ? outcome.error : undefined,
    });
  }

  /**
   * The round trips of the first REPEATABLE READ transaction that `run` begins (a read-only JMAP
   * request's snapshot), from its BEGIN to its COMMIT, with what `run` returned; throws what it threw.
   */
  async ofSnapshot<T>(run: () => Promise<T>): Promise<{ result: T; trips: string[] }> {
    const snapshot = await this.ofTransaction(run, (text) => text.startsWith(REPEATABLE_READ));
    if (snapshot.failed) throw snapshot.error;
    return { result: snapshot.result, trips: snapshot.trips };
  }

  private watch(client: pg.PoolClient): void {
    if (this.watched.has(client)) return;
    this.watched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    Object.assign(client, {
      query: (...args: unknown[]) => (this.recording ? this.record(client, query, args) : query(...args)),
    });
  }

  /** Sends `args` by `query`, kept with whether they were answered with an error (by promise or callback). */
  private record(client: pg.PoolClient, query: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    const [first] = args;
    const sent: Sent = {
      client,
      text: typeof first === 'string' ? first : (first as { text: string }).text,
      failed: false,
    };
    this.sent.push(sent);
    const failed = () => {
      sent.failed = true;
    };
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
        if (error) failed();
        return (last as (...all: unknown[]) => unknown)(error, ...rest);
      };
    }
    const answer = query(...args);
    if (answer instanceof Promise) void answer.then(undefined, failed);
    return answer;
  }
}
