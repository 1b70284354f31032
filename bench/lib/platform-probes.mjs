// Reading the running platform from outside: Prometheus metrics, the database, SMTP readiness.
import pg from 'pg';
import { PipelinedSmtp } from './smtp-pipeline.mjs';
import { sleep } from './stats.mjs';

/**
 * Sum of a metric's samples (all label sets) from a service's /metrics, null when it has none: the
 * test kit's scrape, read once the kit is built (the platform the bench measures is started from it).
 */
export async function readMetric(baseUrl, name) {
  const { scrapeMetrics } = await import('@pushmail/testing');
  return (await scrapeMetrics(baseUrl)).value(name) ?? null;
}

export async function openDatabase(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function countEmails(db, accountId) {
  const { rows } = accountId
    ? await db.query('SELECT count(*)::int AS n FROM mailbox.emails WHERE account_id = $1', [accountId])
    : await db.query('SELECT count(*)::int AS n FROM mailbox.emails');
  return rows[0].n;
}

/** Postgres processes serving the bench database, and the shared background ones. */
export async function postgresPids(db) {
  const { rows } = await db.query(
    'SELECT pid, datname, backend_type FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL',
  );
  return {
    ours: rows.filter((row) => row.datname !== null).map((row) => row.pid),
    background: rows.filter((row) => row.datname === null).map((row) => row.pid),
  };
}

/**
 * Waits until ingest knows an address (its view of the accounts topic is eventually consistent):
 * RCPT is answered 250 rather than 550.
 */
export async function waitRecipientKnown(smtp, address, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const session = await PipelinedSmtp.open(smtp.host, smtp.port);
  try {
    for (;;) {
      const mail = session.expect();
      const rcpt = session.expect();
      const rset = session.expect();
      session.socket.write(`MAIL FROM:<probe@bench.example>\r\nRCPT TO:<${address}>\r\nRSET\r\n`);
      const [, reply] = await Promise.all([mail, rcpt, rset]);
      if (reply.code === 250) return;
      if (Date.now() > deadline) throw new Error(`ingest still refuses ${address}: ${reply.text}`);
      await sleep(200);
    }
  } finally {
    await session.close();
  }
}
