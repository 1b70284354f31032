import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { child, childText, children } from '@pushmail/activesync';
import {
  EasClient,
  expectEventually,
  SpanCollector,
  type CollectedSpan,
  syncCollectionOf,
} from '@pushmail/testing';
import {
  connectedDevice,
  deliver,
  deliverAndAwaitPush,
  newAccount,
  useSuitePlatform,
} from './support/e2e-platform.js';

describe('tracing one mail across the services', () => {
  const collector = new SpanCollector();
  // Registered before the platform's hooks, so it closes after the services stopped exporting.
  afterAll(async () => {
    await collector.close();
  });
  const suite = useSuitePlatform('tracing', async () => ({
    mailDomains: ['example.com'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: await collector.listen(), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    serviceEnv: { 'push-delivery': { TRAIL_FLUSH_MS: '100' } },
  }));

  it('follows a mail from the SMTP session through the mailbox and the push to the device trail in one trace', async () => {
    const device = await connectedDevice(suite.platform, suite.registry);
    const { accountId, client } = device;
    try {
      await deliverAndAwaitPush(suite.platform, device, 'Traced', 'Follow me.');
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

  it('answers an ActiveSync Ping in the trace of the mail that woke it', async () => {
    const { accountId, address, password } = await newAccount(suite.registry, { prefix: 'eastrace' });
    const phone = new EasClient(suite.platform.activesyncUrl, {
      address,
      password,
      deviceId: `EAS${randomUUID().slice(0, 8)}`,
    });
    const hierarchy = await phone.folderSync('0');
    const inboxId = childText(
      children(child(hierarchy.body!, 'Changes')!, 'Add').find((add) => childText(add, 'Type') === '2')!,
      'ServerId',
    )!;
    const start = syncCollectionOf((await phone.sync(inboxId, '0')).body)!;
    await phone.sync(inboxId, childText(start, 'SyncKey')!);
    const ping = phone.ping(600, [inboxId]);
    await expectEventually(async () =>
      expect(await (await fetch(`${suite.platform.activesyncUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings [1-9]/,
      ),
    );
    await deliver(suite.platform, address, 'Traced to the phone');
    expect(childText((await ping).body!, 'Status')).toBe('2');

    const chain = await expectEventually(
      () => {
        const answer = collector.spans.find(
          (span) =>
            span.name === 'activesync.ping.answer' && span.attributes['pushmail.account_id'] === accountId,
        );
        if (!answer) throw new Error('no activesync.ping.answer span for the account yet');
        const trace = collector.spans.filter((span) => span.traceId === answer.traceId);
        const smtp = trace.find((span) => span.name === 'smtp.message');
        const store = trace.find((span) => span.name === 'mailbox.store');
        if (!smtp || !store) throw new Error('the SMTP and store spans are not in the trace yet');
        return { smtp, store, answer };
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(chain.store).toMatchObject({ service: 'mailbox', parentSpanId: chain.smtp.spanId });
    expect(chain.answer).toMatchObject({ service: 'activesync', parentSpanId: chain.store.spanId });
  });
});
