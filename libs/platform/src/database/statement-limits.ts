import { connect } from 'node:net';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { z } from 'zod';
import { postgresUrl } from '../config/load-config.js';
import { currentRequestSignal } from '../http/request-signal.js';

/** How long one statement may run when the service's config does not say. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** The variables of every service that owns data: spread into its config schema. */
export const databaseConfigShape = {
  DATABASE_URL: postgresUrl,
  /**
   * The longest one statement may run before PostgreSQL cancels it (`statement_timeout` of every
   * pooled connection). Migrations are exempt: they run on a connection of their own.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(24 * 3_600_000)
    .default(DEFAULT_STATEMENT_TIMEOUT_MS),
};

export class StatementCancelledError extends Error {
  override readonly name = 'StatementCancelledError';
  constructor() {
    super('the request ended; the statement was not run');
  }
}

type QueryCallback = (error: Error | null, result?: unknown) => void;

/** The pause before a CancelRequest is sent again for a statement still running; doubled each time. */
const CANCEL_RETRY_FIRST_MS = 250;
const CANCEL_RETRY_MAX_MS = 4000;

/**
 * The pool's client: a statement sent for a request (`currentRequestSignal`) is cancelled in
 * PostgreSQL when that request ends, and none is sent for a request that has already ended. Without
 * it a query keeps a backend busy for as long as it runs, long after its answer stopped mattering.
 */
export class CancellableClient extends pg.Client {
  // pg's query() has many overloads; this forwards whichever was used.
  override query(...params: unknown[]): never {
    const signal = currentRequestSignal();
    const [config] = params;
    const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
    const call = (args: unknown[]): never => (super.query as (...args: unknown[]) => never).apply(this, args);
    if (!signal || submittable) return call(params);
    const callbackIndex = params.findIndex((param, index) => index > 0 && typeof param === 'function');
    if (signal.aborted && !endsTransaction(config)) {
      const error = new StatementCancelledError();
      if (callbackIndex < 0) return Promise.reject(error) as never;
      process.nextTick(() => (params[callbackIndex] as QueryCallback)(error));
      return undefined as never;
    }
    let again: NodeJS.Timeout | undefined;
    let delayMs = CANCEL_RETRY_FIRST_MS;
    // PostgreSQL drops a CancelRequest that lands while the backend reads the statement's next
    // protocol message (between Parse, Bind and Execute), and a CancelRequest's own connection can
    // fail: sent again, with a growing pause, until the statement has ended.
    const cancel = () => {
      this.cancelRunning();
      again = setTimeout(cancel, delayMs).unref();
      delayMs = Math.min(delayMs * 2, CANCEL_RETRY_MAX_MS);
    };
    signal.addEventListener('abort', cancel, { once: true });
    const done = () => {
      signal.removeEventListener('abort', cancel);
      clearTimeout(again);
    };
    if (callbackIndex >= 0) {
      const callback = params[callbackIndex] as QueryCallback;
      const wrapped = [...params];
      wrapped[callbackIndex] = (error: Error | null, result?: unknown) => {
        done();
        callback(error, result);
      };
      return call(wrapped);
    }
    return (call(params) as Promise<unknown>).finally(done) as never;
  }

  /**
   * Sends PostgreSQL a CancelRequest for this connection's running statement (protocol §53.2.9): a
   * connection of its own, no authentication, the backend's process id and secret key. The
   * statement then fails with 57014 (query_canceled) and the connection stays usable.
   */
  private cancelRunning(): void {
    const self = this as unknown as { processID: number | null; secretKey: number | null };
    if (self.processID === null || self.secretKey === null) return;
    const request = Buffer.alloc(16);
    request.writeInt32BE(16, 0);
    request.writeInt32BE(80877102, 4);
    request.writeInt32BE(self.processID, 8);
    request.writeInt32BE(self.secretKey, 12);
    const { host, port } = this;
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    socket.on('error', () => socket.destroy());
    socket.once('connect', () => socket.end(request));
    socket.setTimeout(5000, () => socket.destroy());
  }
}

/** What closes a transaction still goes out after the request ended, or the pool would get it back open. */
function endsTransaction(config: unknown): boolean {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' && /^\s*(ROLLBACK|COMMIT|END|ABORT|RELEASE)\b/i.test(text);
}

export interface StatementLimits {
  statementTimeoutMs?: number;
}

/**
 * A service's datasource options with the limits every statement has: the statement timeout on
 * every pooled connection, and cancellation when the request that sent it ends.
 */
export function withStatementLimits(
  options: DataSourceOptions,
  limits: StatementLimits = {},
): DataSourceOptions {
  if (options.type !== 'postgres') return options;
  return {
    ...options,
    extra: {
      ...(options.extra as Record<string, unknown> | undefined),
      statement_timeout: limits.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      Client: CancellableClient,
    },
  };
}
