import { randomBytes, randomUUID } from 'node:crypto';
import { childText } from '@pushmail/activesync';
import { mailboxChangedTopic } from '@pushmail/contracts';
import { startTracing, stopTracing } from '@pushmail/platform';
import { expectEventually, SpanCollector, syncCollectionOf } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayHarness } from '../testing/gateway-harness.js';

describe('tracing a Ping answer', () => {
  const collector = new SpanCollector();
  const gateway = new GatewayHarness('eastrace');

  beforeAll(async () => {
    startTracing('activesync', { OTEL_EXPORTER_OTLP_ENDPOINT: await collector.listen() });
    await gateway.start();
  });

  afterAll(async () => {
    await gateway.stop();
    await stopTracing();
    await collector.close();
  });

  it('continues the trace of the mailbox change that woke the Ping', async () => {
    const account = await gateway.newAccount();
    const client = gateway.phone(account);
    await client.folderSync('0');
    const inbox = gateway.mailbox.folderId(account.accountId, 'inbox');
    const start = await client.sync(inbox, '0');
    await client.sync(inbox, childText(syncCollectionOf(start.body)!, 'SyncKey')!);
    const parked = client.ping(300, [inbox]);
    await expectEventually(async () =>
      expect(await (await fetch(`${gateway.baseUrl}/metrics`)).text()).toMatch(
        /pushmail_activesync_parked_pings [1-9]/,
      ),
    );

    const traceId = randomBytes(16).toString('hex');
    const acceptSpanId = randomBytes(8).toString('hex');
    gateway.mailbox.deliver(account.accountId, {
      subject: 'traced',
      from: 'b@x.y',
      to: account.address,
      text: 'traced',
    });
    await gateway.producer.publish(
      mailboxChangedTopic,
      [
        {
          eventId: randomUUID(),
          accountId: account.accountId,
          state: gateway.mailbox.state(account.accountId),
          changed: { Email: `e${gateway.mailbox.state(account.accountId)}` },
          cause: 'delivery',
          createdEmailIds: [],
          occurredAt: new Date().toISOString(),
          acceptedAt: new Date().toISOString(),
        },
      ],
      { traceparent: `00-${traceId}-${acceptSpanId}-01` },
    );
    expect(childText((await parked).body!, 'Status')).toBe('2');

    const answer = await expectEventually(
      () => {
        const span = collector.spans.find((candidate) => candidate.name === 'activesync.ping.answer');
        if (!span) throw new Error('no activesync.ping.answer span yet');
        return span;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(answer).toMatchObject({ service: 'activesync', traceId, parentSpanId: acceptSpanId });
    expect(answer.attributes).toMatchObject({
      'pushmail.account_id': account.accountId,
      'pushmail.device_id': client.options.deviceId,
    });
  });
});
