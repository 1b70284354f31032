import { execFileSync } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { parse } from 'yaml';
import { repositoryRoot } from './kustomize.js';
import { serviceExpectations, serviceNames } from './services.js';

type Dependency = { condition: string };
interface ComposeService {
  image?: string;
  build?: { context: string; target: string };
  restart?: string;
  user?: string;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  networks?: string[];
  volumes?: string[];
  depends_on?: Record<string, Dependency>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}
interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean }>;
}

const composeSource = readFileSync(join(repositoryRoot, 'docker-compose.yml'), 'utf8');

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (match, name?: string, operator?: string, argument?: string) => {
      if (match === '$$') return '$';
      const value = env[name!];
      const unset = value === undefined || (operator?.startsWith(':') === true && value === '');
      if (operator?.endsWith('-')) return unset ? argument! : value!;
      if (operator?.endsWith('?')) {
        if (unset) throw new Error(`required variable ${name} is missing: ${argument}`);
        return value!;
      }
      return value ?? '';
    },
  );
}

const load = (env: Record<string, string>) =>
  parse(interpolate(composeSource, env), { merge: true }) as ComposeFile;

/** The `.env` that tools/deploy/compose-env.mjs writes, read back. */
function generatedEnv(): Record<string, string> {
  const directory = mkdtempSync(join(tmpdir(), 'compose-env-'));
  try {
    execFileSync(process.execPath, [
      join(repositoryRoot, 'tools/deploy/compose-env.mjs'),
      join(directory, '.env'),
    ]);
    const env: Record<string, string> = {};
    for (const line of readFileSync(join(directory, '.env'), 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
    }
    return env;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const env = generatedEnv();
const compose = load(env);
const services = Object.entries(compose.services);
const isJob = (service: ComposeService) => service.restart === 'no';
const placeholderPushEnvironment = compose.services['push-delivery']?.environment ?? {};

describe('docker-compose.yml', () => {
  it('names the project, and runs Kafka 4.1 in KRaft mode, Postgres 17 and the five services', () => {
    expect(compose.name).toBe('pushmail');
    expect(compose.services['kafka']?.image).toMatch(/^apache\/kafka:4\.1\.\d+$/);
    expect(compose.services['kafka']?.environment?.['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(compose.services['postgres']?.image).toBe('postgres:17');
    for (const name of serviceNames)
      expect(compose.services[name]?.build).toEqual({ context: '.', target: name });
  });

  it('will not start without the secrets, and the generated .env provides every one', () => {
    const required = [...composeSource.matchAll(/\$\{([A-Z_]+):\?/g)].map((match) => match[1]!);
    expect(new Set(required)).toEqual(new Set(['POSTGRES_PASSWORD', 'ADMIN_TOKEN', 'INTERNAL_TOKEN']));
    for (const name of required) {
      const { [name]: _missing, ...rest } = env;
      expect(() => load(rest), name).toThrow(new RegExp(`required variable ${name} is missing`));
      expect(env[name]!.length).toBeGreaterThanOrEqual(32);
    }
    expect(composeSource).not.toMatch(/^\s+(ADMIN_TOKEN|INTERNAL_TOKEN|POSTGRES_PASSWORD):\s*(?!\$\{)\S/m);
  });

  it('turns Web Push on in push-delivery with the VAPID pair the generated .env holds, which web-push accepts', () => {
    const push = compose.services['push-delivery']!;
    const config = loadConfig(serviceExpectations['push-delivery'].config, push.environment ?? {});
    expect(config.WEBPUSH_VAPID_PUBLIC_KEY).toBe(env['WEBPUSH_VAPID_PUBLIC_KEY']);
    expect(config.WEBPUSH_VAPID_PRIVATE_KEY).toBe(env['WEBPUSH_VAPID_PRIVATE_KEY']);
    expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(push.networks).toContain('data');
    expect(push.depends_on?.['postgres']).toEqual({ condition: 'service_healthy' });
    // The public key is the private key's, and web-push signs with the pair.
    const curve = createECDH('prime256v1');
    curve.setPrivateKey(Buffer.from(env['WEBPUSH_VAPID_PRIVATE_KEY']!, 'base64url'));
    expect(curve.getPublicKey('base64url')).toBe(env['WEBPUSH_VAPID_PUBLIC_KEY']);
    const headers = webpush.getVapidHeaders(
      'https://push.example.net',
      'mailto:postmaster@localhost',
      env['WEBPUSH_VAPID_PUBLIC_KEY']!,
      env['WEBPUSH_VAPID_PRIVATE_KEY']!,
      'aes128gcm',
    );
    expect(headers.Authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=/);
    // An .env written before Web Push was deployed leaves it off, and push-delivery still starts.
    const { WEBPUSH_VAPID_PUBLIC_KEY: _public, WEBPUSH_VAPID_PRIVATE_KEY: _private, ...older } = env;
    const without = load(older).services['push-delivery']!.environment ?? {};
    expect(
      loadConfig(serviceExpectations['push-delivery'].config, without).WEBPUSH_VAPID_PUBLIC_KEY,
    ).toBeUndefined();
  });

  it('prints a fresh VAPID pair for the Kubernetes Secret (npm run webpush:vapid-keys -- --env)', () => {
    const script = join(repositoryRoot, 'tools/deploy/vapid-keys.mjs');
    const printed = execFileSync(process.execPath, [script, '--env'], { encoding: 'utf8' });
    const [publicKey, privateKey] = printed
      .trim()
      .split('\n')
      .map((line) => line.split('='));
    expect(publicKey![0]).toBe('webpush-vapid-public-key');
    expect(privateKey![0]).toBe('webpush-vapid-private-key');
    const config = loadConfig(serviceExpectations['push-delivery'].config, {
      ...placeholderPushEnvironment,
      WEBPUSH_VAPID_PUBLIC_KEY: publicKey![1],
      WEBPUSH_VAPID_PRIVATE_KEY: privateKey![1],
    });
    expect(config.WEBPUSH_VAPID_PUBLIC_KEY).toBe(publicKey![1]);
    expect(publicKey![1]).not.toBe(env['WEBPUSH_VAPID_PUBLIC_KEY']);
  });

  it.each(services)(
    '%s drops every capability, forbids privilege escalation and runs as a non-root user',
    (_name, service) => {
      expect(service.cap_drop).toEqual(['ALL']);
      expect(service.security_opt).toContain('no-new-privileges:true');
      expect(service.user).toBeDefined();
      expect(service.user).not.toMatch(/^(root|0)(:|$)/);
    },
  );

  it.each(services)('%s has a health check, or is a one-shot job', (_name, service) => {
    if (isJob(service)) expect(service.healthcheck).toBeUndefined();
    else expect(service.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it.each(services)(
    '%s waits for its dependencies to be healthy, or for jobs to complete',
    (_name, service) => {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, dependency).toBeDefined();
        expect(condition, dependency).toBe(
          isJob(target!) ? 'service_completed_successfully' : 'service_healthy',
        );
      }
    },
  );

  it.each(serviceNames)(
    '%s runs read-only, drains in time, checks readiness on its port and accepts its environment',
    (name) => {
      const service = compose.services[name]!;
      const expected = serviceExpectations[name];
      expect(service.read_only).toBe(true);
      expect(service.tmpfs?.some((mount) => mount.startsWith('/tmp:'))).toBe(true);
      expect(service.stop_grace_period).toBe(`${expected.drainSeconds}s`);
      expect(service.healthcheck?.test).toEqual([
        'CMD',
        'node',
        'healthcheck.mjs',
        expected.httpPortVariable,
        String(expected.httpPort),
        '/health/ready',
      ]);
      expect(service.environment?.[expected.httpPortVariable]).toBe(String(expected.httpPort));
      expect(() => loadConfig(expected.config, service.environment ?? {})).not.toThrow();
      expect(Object.keys(service.depends_on ?? {})).toEqual(expect.arrayContaining(['kafka', 'topics']));
    },
  );

  it('publishes SMTP 2525, JMAP 8080, the registry 8081, ActiveSync 8084 and operations 8085 (and Kafka on loopback), and keeps mailbox and Postgres internal', () => {
    const published = services.flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => `${name} ${port}`),
    );
    expect(published.sort()).toEqual([
      'activesync 127.0.0.1:8084:8084',
      'device-registry 127.0.0.1:8081:8081',
      'ingest 127.0.0.1:2525:2525',
      'kafka 127.0.0.1:9094:9094',
      'operations 127.0.0.1:8085:8085',
      'push-delivery 127.0.0.1:8080:8080',
    ]);
    expect(compose.networks['data']?.internal).toBe(true);
    expect(compose.services['mailbox']?.networks).toEqual(['data']);
    expect(compose.services['postgres']?.networks).toEqual(['data']);
    expect(load({ ...env, PUSHMAIL_BIND_ADDRESS: '0.0.0.0' }).services['ingest']?.ports).toEqual([
      '0.0.0.0:2525:2525',
    ]);
  });

  it("points operations' self-test, console counters and registry calls at the services that listen there", () => {
    const operations = compose.services['operations']!.environment!;
    /** Whether `host` is a service on a network operations shares, with `port` set in its environment. */
    const listens = (host: string, port: string) => {
      const service = compose.services[host];
      return (
        service !== undefined &&
        (service.networks ?? []).some((network) =>
          (compose.services['operations']!.networks ?? []).includes(network),
        ) &&
        Object.entries(service.environment ?? {}).some(
          ([name, value]) => name.endsWith('_PORT') && value === port,
        )
      );
    };
    expect(listens(operations['SELFTEST_SMTP_HOST']!, operations['SELFTEST_SMTP_PORT']!)).toBe(true);
    expect(compose.services[operations['SELFTEST_SMTP_HOST']!]?.environment?.['SMTP_PORT']).toBe(
      operations['SELFTEST_SMTP_PORT'],
    );
    const registry = new URL(operations['REGISTRY_URL']!);
    expect(listens(registry.hostname, registry.port)).toBe(true);
    const socket = new URL(operations['SELFTEST_JMAP_WS_URL']!);
    expect([socket.hostname, socket.port, socket.pathname]).toEqual(['push-delivery', '8080', '/jmap/ws']);
    const counters = operations['CONSOLE_METRICS_URLS']!.split(',').map((pair) => pair.split('='));
    expect(counters.map(([name]) => name).sort()).toEqual([...serviceNames].sort());
    for (const [name, address] of counters) {
      const url = new URL(address!);
      expect(url.hostname).toBe(name);
      expect(url.port).toBe(String(serviceExpectations[name as (typeof serviceNames)[number]].httpPort));
    }
  });

  it('creates the topics with the script generated from the contracts before any service starts', () => {
    const topics = compose.services['topics']!;
    expect(isJob(topics)).toBe(true);
    const [mount] = topics.volumes ?? [];
    const [source, target] = mount!.split(':');
    expect(existsSync(join(repositoryRoot, source!))).toBe(true);
    expect(source).toBe('./tools/deploy/generated/create-topics.sh');
    expect((topics as { entrypoint?: string[] }).entrypoint).toEqual(['sh', target]);
  });
});
