// `npm test`: every tier of tests against real infrastructure. Brings up Kafka and Postgres (or uses
// KAFKA_BROKERS / DATABASE_URL), builds the services the end-to-end suite runs, then runs the unit,
// integration and end-to-end projects and prints one summary line.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { findKustomize } from '../deploy/find-kustomize.mjs';
import { ensureHostTools } from '../infra/host-tools.mjs';
import { ensureInfrastructure } from '../infra/index.mjs';

const log = (message) => console.log(`[test] ${message}`);
const root = new URL('../../', import.meta.url).pathname;
const projects = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const started = Date.now();
// The unit tier renders k8s/ with the real kustomize: say what to install before starting anything.
if (projects.includes('unit')) {
  try {
    findKustomize();
  } catch (error) {
    console.error(`[test] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// The console's end-to-end tests drive a real Chromium: found, or installed where that is possible.
if (projects.includes('e2e')) {
  try {
    process.env.CHROMIUM_PATH = ensureHostTools(['chromium'], { log }).chromium;
  } catch (error) {
    console.error(`[test] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// The integration tier cross-checks the ActiveSync codec against libwbxml: found, or installed where
// that is possible, before any test starts (the test asks again, for runs that skip this script).
if (projects.includes('integration')) {
  try {
    ensureHostTools(['wbxml'], { log });
  } catch (error) {
    console.error(`[test] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// A run of its own: a fresh broker data directory on a port apart from `npm start`'s.
process.env.PUSHMAIL_KAFKA_PORT ??= '19192';
const infra = await ensureInfrastructure({ purpose: 'test', fresh: true, log });
let exitCode = 1;
try {
  log(`Kafka at ${infra.kafkaBrokers}; Postgres ready`);
  const env = { KAFKA_BROKERS: infra.kafkaBrokers, DATABASE_URL: infra.databaseUrl };

  const needsBuild = projects.includes('e2e') || projects.includes('faults');
  if (needsBuild) {
    log('building the services');
    const built = await run(process.execPath, [
      'node_modules/nx/dist/bin/nx.js',
      'run-many',
      '-t',
      'build',
      '--output-style=static',
    ]);
    if (built !== 0) throw new Error('build failed');
  }

  mkdirSync('test-artifacts', { recursive: true });
  const args = [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=test-artifacts/vitest.json',
  ];
  for (const project of projects) args.push('--project', project);
  exitCode = await run(process.execPath, args, env);

  const report = JSON.parse(readFileSync('test-artifacts/vitest.json', 'utf8'));
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (passed + failed === 0) exitCode = exitCode || 1;
  if (skipped > 0) {
    log(`${skipped} tests were skipped: a skipped test is a defect`);
    exitCode = exitCode || 1;
  }
  log(`finished in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
} catch (error) {
  console.error(`[test] ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await infra.stop();
}
process.exit(exitCode);
