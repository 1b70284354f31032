import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isolatedTrailGroup,
  listenWithOwnDatabase,
  requiredEnv,
  type ServiceWithDatabase,
} from '@pushmail/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from './app.module.js';
import { operationsService } from './service.js';

const KAFKA_BROKERS = requiredEnv('KAFKA_BROKERS');
const ADMIN_TOKEN = `int-admin-${randomBytes(24).toString('base64url')}`;

const committed = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
/** What device-registry serves at `/admin/openapi.json` (its own integration spec checks that). */
const registryDocument = committed('../../device-registry/openapi.json');
/** What outbound serves there (its own spec checks that). */
const outboundDocument = committed('../../outbound/openapi.json');

interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/**
 * device-registry's (or outbound's) admin API as operations sees it over HTTP: a real server that
 * answers a few routes and records what it was asked.
 */
async function startRegistry(
  openApiDocument = registryDocument,
): Promise<{ server: Server; url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const read = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((request, response) => {
    void read(request).then((body) => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      });
      const json = (status: number, value: unknown) =>
        response
          .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(value));
      if (request.url?.startsWith('/admin/devices?')) return json(200, { devices: [], nextCursor: null });
      if (request.url === '/admin/openapi.json') return json(200, openApiDocument);
      if (request.url?.startsWith('/admin/accounts/') && request.url.includes('/devices/'))
        return json(404, { error: 'device_not_found', message: 'the account has no device x' });
      if (request.method === 'POST' && request.url?.startsWith('/admin/access/rules?'))
        return json(201, { ruleId: 'r-1', echoed: JSON.parse(body) as unknown });
      return json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe(AppModule.name, () => {
  let service: ServiceWithDatabase;
  let baseUrl: string;
  let db: pg.Client;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let outbound: Awaited<ReturnType<typeof startRegistry>>;

  beforeAll(async () => {
    registry = await startRegistry();
    outbound = await startRegistry(outboundDocument);
    service = await listenWithOwnDatabase(operationsService, {
      ADMIN_TOKEN,
      REGISTRY_URL: registry.url,
      OUTBOUND_URL: outbound.url,
      TRAIL_CONSUMER_GROUP: await isolatedTrailGroup(KAFKA_BROKERS, 'operations-trail-int'),
    });
    ({ baseUrl, db } = service);
  });

  afterAll(async () => {
    await service?.close();
    await new Promise((resolve) => registry?.server.close(resolve));
    await new Promise((resolve) => outbound?.server.close(resolve));
  });

  const asAdmin = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) },
    });

  it('is ready once Postgres, the Kafka producer and the trail consumers are', async () => {
    const response = await fetch(`${baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { postgres: true, 'kafka-producer': true, 'trail-consumers': true },
    });
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
  });

  it('keeps the trail in its own schema', async () => {
    const { rows } = await db.query<{ trail: string | null }>(
      "SELECT to_regclass('operations.device_trail')::text AS trail",
    );
    expect(rows[0]?.trail).toBe('operations.device_trail');
  });

  it('answers its own admin routes only with the admin token, reading devices from the registry', async () => {
    expect((await fetch(`${baseUrl}/admin/findings`)).status).toBe(401);
    const response = await asAdmin('/admin/findings?minimum=warning');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ devices: [], examined: 0 });
    expect(registry.seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/admin/devices?limit=200',
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
  });

  it("passes on the registry's refusal of an unknown device", async () => {
    const response = await asAdmin(`/admin/accounts/${randomUUID()}/devices/no-such-phone/trail`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'device_not_found' });
  });

  it("forwards any other admin call to the registry as it came, with the caller's bearer, and its answer back", async () => {
    const before = registry.seen.length;
    const response = await fetch(`${baseUrl}/admin/access/rules?dry=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer whatever-the-caller-sent', 'content-type': 'application/json' },
      body: JSON.stringify({ matchField: 'model', pattern: 'X*', access: 'blocked' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      ruleId: 'r-1',
      echoed: { matchField: 'model', pattern: 'X*', access: 'blocked' },
    });
    expect(registry.seen.slice(before)).toEqual([
      {
        method: 'POST',
        url: '/admin/access/rules?dry=1',
        authorization: 'Bearer whatever-the-caller-sent',
        body: JSON.stringify({ matchField: 'model', pattern: 'X*', access: 'blocked' }),
      },
    ]);
  });

  it("serves exactly the committed openapi.json: the registry's document with outbound's and its own paths added", async () => {
    const response = await asAdmin('/admin/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/admin/selftest');
    expect(Object.keys(document.paths)).toContain('/admin/findings');
    expect(Object.keys(document.paths)).toContain('/admin/domains/{domain}/dkim/rotate');
    expect(document).toEqual(committed('../openapi.json'));
  });

  it('forwards the admin calls about sending (DKIM keys, the queue) to outbound with the caller’s bearer, and its answer back', async () => {
    const response = await asAdmin('/admin/domains/example.com/dkim/rotate', { method: 'POST' });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found' });
    expect(outbound.seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/admin/domains/example.com/dkim/rotate',
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    const queue = await asAdmin('/admin/queue?status=deferred');
    expect(queue.status).toBe(404);
    expect(outbound.seen.at(-1)).toMatchObject({ method: 'GET', url: '/admin/queue?status=deferred' });
    expect(registry.seen.some((seen) => /^\/admin\/(domains|queue)/.test(seen.url))).toBe(false);
  });
});
