// The platform on a broker and a PostgreSQL server of its own, for the experiments that read one
// process's CPU time: nothing else's traffic lands on what they measure. The broker's JIT is kept at
// the level the bench records unless the caller's environment names other options.
import { startPlatform } from '@pushmail/testing';
import { ensureInfrastructure, startTunedPostgres } from '../../tools/infra/index.mjs';

/**
 * Starts PostgreSQL, the broker (on `kafkaPort`) and the platform serving `domain`, with as many SMTP
 * clients per address as a burst needs; `env` goes to every service. Resolves with the platform, the
 * infrastructure and `stop`, which stops all three (after `beforeStop`) and also runs on SIGINT.
 */
export async function startIsolatedPlatform({ kafkaPort, postgresPort, domain, log, env = {}, beforeStop }) {
  process.env.PUSHMAIL_KAFKA_PORT = kafkaPort;
  process.env.PUSHMAIL_KAFKA_JAVA_OPTS ??= '-XX:TieredStopAtLevel=4';
  const postgres = await startTunedPostgres({ port: Number(postgresPort) || undefined, log });
  process.env.DATABASE_URL = postgres.url;
  const infra = await ensureInfrastructure({ purpose: 'start', log, fresh: true });
  let platform;
  const stop = async () => {
    beforeStop?.();
    await platform?.stop().catch(() => undefined);
    await infra.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    platform = await startPlatform({
      readyTimeoutMs: 600_000,
      kafkaBrokers: infra.kafkaBrokers,
      databaseUrl: infra.databaseUrl,
      freshDatabase: true,
      mode: 'development',
      mailDomains: [domain],
      serviceEnv: { ingest: { SMTP_MAX_CLIENTS_PER_ADDRESS: '100000' } },
      env,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { platform, infra, stop };
}
