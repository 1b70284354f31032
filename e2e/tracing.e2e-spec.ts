import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, RegistryClient, type RunningPlatform } from '@pushmail/testing';
import { connectedDevice, deliverAndAwaitPush, startSuitePlatform } from './support/e2e-platform.js';

interface CollectedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, string>;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        name: string;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

/** The smallest OTLP/HTTP JSON receiver: keeps every span it is sent, in memory. */
class SpanCollector {
  readonly spans: CollectedSpan[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        this.collect(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        response.writeHead(400).end();
      }
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private collect(request: OtlpTraceRequest): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '';
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service,
            name: span.name,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            attributes: attributesOf(span.attributes),
          });
        }
      }
    }
  }
}

function attributesOf(attributes: OtlpAttribute[] = []): Record<string, string> {
  const result: Record<string, string> = {};
  for (const { key, value } of attributes) {
    const scalar = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
    if (scalar !== undefined) result[key] = String(scalar);
  }
  return result;
}

describe('tracing one mail across the services', () => {
  const collector = new SpanCollector();
  let platform: RunningPlatform;
  let registry: RegistryClient;

  beforeAll(async () => {
    const endpoint = await collector.listen();
    platform = await startSuitePlatform('tracing', {
      mailDomains: ['example.com'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      serviceEnv: { 'push-delivery': { TRAIL_FLUSH_MS: '100' } },
    });
    registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  });

  afterAll(async () => {
    await platform?.stop();
    await collector.close();
  });

  it('follows a mail from the SMTP session through the mailbox and the push to the device trail in one trace', async () => {
    const device = await connectedDevice(platform, registry);
    const { accountId, client } = device;
    try {
      await deliverAndAwaitPush(platform, device, 'Traced', 'Follow me.');
    } finally {
      client.close();
    }

    const chain = await expectEventually(
      () => {
        const store = collector.spans.find(
          (span) => span.name === 'mailbox.store' && span.attributes['pushmail.account_id'] === accountId,
        );
        if (!store) throw new Error('no mailbox.store span for the account yet');
        const trace = collector.spans.filter((span) => span.traceId === store.traceId);
        const named = (name: string): CollectedSpan => {
          const span = trace.find((candidate) => candidate.name === name);
          if (!span) throw new Error(`no ${name} span in the trace yet`);
          return span;
        };
        return {
          smtp: named('smtp.message'),
          store,
          fanout: named('push.fanout'),
          trail: named('registry.trail.record'),
        };
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    expect(chain.smtp).toMatchObject({ service: 'ingest', parentSpanId: '' });
    expect(chain.store).toMatchObject({ service: 'mailbox', parentSpanId: chain.smtp.spanId });
    expect(chain.fanout).toMatchObject({ service: 'push-delivery', parentSpanId: chain.store.spanId });
    expect(chain.fanout.attributes).toMatchObject({
      'pushmail.account_id': accountId,
      'pushmail.sockets': '1',
    });
    expect(chain.trail).toMatchObject({ service: 'operations', parentSpanId: chain.fanout.spanId });
    expect(
      new Set([chain.smtp, chain.store, chain.fanout, chain.trail].map((span) => span.traceId)).size,
    ).toBe(1);
  });
});
