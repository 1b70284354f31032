import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatformInContainers, type ContainerPlatformOptions } from './platform-containers.js';
import { SERVICE_NAMES, startPlatform, type RunningPlatform } from './platform-harness.js';

export const RUNTIMES = ['containers', 'processes'] as const;
export type PushmailRuntime = (typeof RUNTIMES)[number];

/** Overrides the runtime for a whole test run, whatever the code or the machine says. */
export const RUNTIME_VARIABLE = 'PUSHMAIL_TEST_RUNTIME';

export interface RuntimeChoice {
  runtime: PushmailRuntime;
  /** Why, for the log of a run that behaves unexpectedly. */
  reason: string;
}

function asRuntime(value: string, origin: string): PushmailRuntime {
  if ((RUNTIMES as readonly string[]).includes(value)) return value as PushmailRuntime;
  throw new Error(`${origin} must be one of ${RUNTIMES.join(', ')}, not "${value}"`);
}

/**
 * Containers or local processes: PUSHMAIL_TEST_RUNTIME when set, else what the caller asked for,
 * else containers exactly when a Docker engine answers. The engine is asked only when nothing else
 * decides.
 */
export async function chooseRuntime(input: {
  variable: string | undefined;
  requested?: string | undefined;
  dockerEngineReachable: () => Promise<boolean>;
}): Promise<RuntimeChoice> {
  const variable = input.variable?.trim();
  if (variable) {
    return { runtime: asRuntime(variable, RUNTIME_VARIABLE), reason: `${RUNTIME_VARIABLE}=${variable}` };
  }
  if (input.requested !== undefined) {
    return { runtime: asRuntime(input.requested, 'the runtime option'), reason: 'asked for by the caller' };
  }
  return (await input.dockerEngineReachable())
    ? { runtime: 'containers', reason: 'a Docker engine answers' }
    : { runtime: 'processes', reason: 'no Docker engine answers' };
}

export interface PushmailOptions extends ContainerPlatformOptions {
  /** Default: see `chooseRuntime`. */
  runtime?: PushmailRuntime;
  /**
   * Local processes only: the broker and the database (with the right to create databases). When
   * either is left out, tools/infra provides them from KAFKA_BROKERS and DATABASE_URL, a Docker
   * engine, or local processes, and stops what it started when the platform stops. Containers
   * always get a broker and a database of their own.
   */
  kafkaBrokers?: string;
  databaseUrl?: string;
  /** Local processes only: a database of this run's own, dropped on stop. Default: true. */
  freshDatabase?: boolean;
  /** Local processes only: the address the services listen on. Default: 127.0.0.1. */
  host?: string;
  /** Local processes only: see `PlatformOptions.isolateConsumerGroups`. */
  isolateConsumerGroups?: boolean;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Starts pushmail for a test suite: from the project's images with testcontainers where a Docker
 * engine is (or PUSHMAIL_TEST_RUNTIME=containers), else from the built services as local
 * processes. Either way the suite gets the same `RunningPlatform`: the SMTP address, the JMAP
 * session URL, the registry and operations URLs and the admin token, and control over each service.
 */
export async function startPushmail(options: PushmailOptions = {}): Promise<RunningPlatform> {
  const choice = await chooseRuntime({
    variable: process.env[RUNTIME_VARIABLE],
    requested: options.runtime,
    dockerEngineReachable: async () => (await import('@pushmail/infra')).hasDockerEngine(),
  });
  if (choice.runtime === 'containers') return startPlatformInContainers(options);
  return startAsProcesses(options, choice);
}

async function startAsProcesses(options: PushmailOptions, choice: RuntimeChoice): Promise<RunningPlatform> {
  const unbuilt = SERVICE_NAMES.filter(
    (service) => !existsSync(join(repoRoot, 'dist/apps', service, 'main.js')),
  );
  if (unbuilt.length > 0) {
    throw new Error(
      `Running pushmail as local processes (${choice.reason}) needs the built services; ` +
        `${unbuilt.join(', ')} ${unbuilt.length === 1 ? 'is' : 'are'} not built: run \`npm run build\`.`,
    );
  }
  const infrastructure =
    options.kafkaBrokers && options.databaseUrl
      ? undefined
      : await (await import('@pushmail/infra')).ensureInfrastructure({ purpose: 'test' });
  try {
    const platform = await startPlatform({
      ...options,
      kafkaBrokers: options.kafkaBrokers ?? infrastructure!.kafkaBrokers,
      databaseUrl: options.databaseUrl ?? infrastructure!.databaseUrl,
      freshDatabase: options.freshDatabase ?? true,
    });
    return {
      ...platform,
      async stop() {
        await platform.stop();
        await infrastructure?.stop();
      },
    };
  } catch (error) {
    await infrastructure?.stop();
    throw error;
  }
}
