import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from './kustomize.js';
import { serviceExpectations, serviceNames } from './services.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions, joining continued lines and dropping comments. */
function parseDockerfile(source: string): { args: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      logical.push(pending);
      pending = '';
    }
  }
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)!;
      stages.push({ from: match[1]!, name: match[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** Whether .dockerignore keeps `path` out of the build context (last matching pattern wins). */
function ignored(patterns: string[], path: string): boolean {
  let result = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const regex = new RegExp(
      `^${pattern
        .split('/')
        .map((part) =>
          part === '**' ? '(?:.*)' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'),
        )
        .join('/')
        .replace('(?:.*)/', '(?:.*/)?')}(?:/.*)?$`,
    );
    if (regex.test(path)) result = !negated;
  }
  return result;
}

const dockerfile = parseDockerfile(readFileSync(join(repositoryRoot, 'Dockerfile'), 'utf8'));
const stage = (name: string) => dockerfile.stages.find((candidate) => candidate.name === name)!;
const all = (name: string, keyword: string) =>
  stage(name).instructions.filter((instruction) => instruction.keyword === keyword);
const dockerignore = readFileSync(join(repositoryRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('Dockerfile', () => {
  it('builds every project on node:24-slim with npm ci and Nx', () => {
    expect(dockerfile.args).toContainEqual({ keyword: 'ARG', args: 'NODE_IMAGE=node:24-slim' });
    for (const name of ['build', 'production-dependencies', 'runtime'])
      expect(stage(name).from).toBe('${NODE_IMAGE}');
    const runs = all('build', 'RUN').map((instruction) => instruction.args);
    expect(runs.some((run) => /\bnpm ci\b/.test(run) && !run.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npx nx run-many -t build --output-style=static');
  });

  it('ships production dependencies only, and the build output of the libraries the services import', () => {
    expect(all('production-dependencies', 'RUN').some((run) => run.args.includes('npm ci --omit=dev'))).toBe(
      true,
    );
    const copies = all('runtime', 'COPY').map((instruction) => instruction.args);
    expect(copies).toContain('--from=production-dependencies /app/node_modules ./node_modules');
    expect(copies.some((copy) => copy.startsWith('--from=build /src/node_modules'))).toBe(false);

    const imported = new Set<string>();
    // What a service's build leaves out (its test helpers under src/testing, where it says so) ships nowhere.
    const walk = (directory: string, skipTesting: boolean) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) {
          if (!(skipTesting && entry.name === 'testing')) walk(path, skipTesting);
        } else if (entry.name.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(entry.name)) {
          for (const match of readFileSync(path, 'utf8').matchAll(/from '@pushmail\/([a-z-]+)'/g))
            imported.add(match[1]!);
        }
      }
    };
    for (const service of serviceNames) {
      const project = readFileSync(join(repositoryRoot, 'apps', service, 'project.json'), 'utf8');
      walk(join(repositoryRoot, 'apps', service, 'src'), project.includes('**/testing/**'));
    }
    expect([...imported].sort()).not.toContain('testing');
    for (const library of imported) {
      expect(copies).toContain(`--from=build /src/libs/${library}/dist ./libs/${library}/dist`);
      expect(copies).toContain(
        `--from=build /src/libs/${library}/package.json ./libs/${library}/package.json`,
      );
    }
  });

  it('runs as an unprivileged numeric user under tini', () => {
    const [user] = all('runtime', 'USER');
    expect(user?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(all('runtime', 'ENTRYPOINT').map((instruction) => instruction.args)).toEqual([
      '["/usr/bin/tini", "--"]',
    ]);
    expect(
      all('runtime', 'RUN').some((run) =>
        run.args.includes('apt-get install -y --no-install-recommends tini'),
      ),
    ).toBe(true);
  });

  it.each(serviceNames)(
    'has a target %s that exposes its ports, checks its liveness and starts its build output',
    (service) => {
      const expected = serviceExpectations[service];
      expect(stage(service).from).toBe('runtime');
      expect(all(service, 'COPY').map((instruction) => instruction.args)).toEqual([
        `--from=build /src/dist/apps/${service} ./dist/apps/${service}`,
        // operations also serves the operations console's static files.
        ...(service === 'operations' ? ['--from=build /src/dist/apps/console ./dist/apps/console'] : []),
      ]);
      const exposed = all(service, 'EXPOSE').flatMap((instruction) =>
        instruction.args.split(/\s+/).map(Number),
      );
      expect(exposed.sort()).toEqual([expected.httpPort, ...Object.values(expected.extraPorts)].sort());
      const [healthcheck] = all(service, 'HEALTHCHECK');
      expect(healthcheck?.args).toContain(
        `CMD ["node", "healthcheck.mjs", "${expected.httpPortVariable}", "${expected.httpPort}"]`,
      );
      expect(all(service, 'CMD').map((instruction) => instruction.args)).toEqual([
        `["node", "dist/apps/${service}/main.js"]`,
      ]);
    },
  );

  it('keeps dependencies, build output, VCS data and secrets out of the build context, but not the sources', () => {
    for (const path of [
      'node_modules',
      'libs/contracts/node_modules',
      'dist/apps/ingest/main.js',
      'libs/platform/dist/index.js',
      '.git/HEAD',
      '.env',
      '.env.production',
      'tools/scripts/start.mjs',
    ]) {
      expect(ignored(dockerignore, path), path).toBe(true);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'nx.json',
      '.swcrc',
      'tsconfig.base.json',
      'apps/ingest/src/main.ts',
      'apps/ingest/project.json',
      'libs/contracts/src/index.ts',
      'tools/deploy/healthcheck.mjs',
    ]) {
      expect(ignored(dockerignore, path), path).toBe(false);
    }
  });
});

describe('healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === '/health/live' ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = async (args: string[], env: Record<string, string> = {}) => {
    try {
      await promisify(execFile)(
        process.execPath,
        [join(repositoryRoot, 'tools/deploy/healthcheck.mjs'), ...args],
        {
          env: { PATH: process.env['PATH'] ?? '', ...env },
        },
      );
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  };

  it('succeeds when the endpoint answers 2xx, on the port named by the service variable', async () => {
    expect(await run(['TEST_HTTP_PORT', '1'], { TEST_HTTP_PORT: String(port) })).toBe(0);
    expect(await run(['TEST_HTTP_PORT', String(port)])).toBe(0);
  });

  it('fails when the endpoint answers an error or nothing listens', async () => {
    expect(await run(['TEST_HTTP_PORT', String(port), '/health/ready'])).toBe(1);
    expect(await run(['TEST_HTTP_PORT', '1'])).toBe(1);
  });
});
