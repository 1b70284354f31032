import {
  deviceCredentialsTopic,
  deviceEventTopic,
  deviceTrailTopic,
  mailArrivedTopic,
  mailboxChangedTopic,
  accountTopic,
} from '@pushmail/contracts';
import { expectEventually, scrapeMetrics, type ScrapedMetrics } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { connectedDevice, deliverAndAwaitPush, useSuitePlatform } from './support/e2e-platform.js';

type Service = 'ingest' | 'mailbox' | 'push-delivery' | 'device-registry' | 'operations';

/**
 * A series the flow must show: `moved` ones must be above zero after one mail reached a
 * connected device (and the device was sent a wipe); the others must merely be exposed.
 */
interface Expected {
  name: string;
  labels?: Record<string, string>;
  moved: boolean;
}

const moved = (name: string, labels?: Record<string, string>): Expected => ({ name, labels, moved: true });
const exposed = (name: string, labels?: Record<string, string>): Expected => ({ name, labels, moved: false });
const produced = (topic: string) => moved('pushmail_kafka_events_produced_total', { topic });
const consumed = (topic: string) => moved('pushmail_kafka_events_consumed_total', { topic });
const lag = (topic: string) => exposed('pushmail_kafka_consumer_lag', { topic });
const deadLettered = (topic: string) => exposed('pushmail_kafka_events_dead_lettered_total', { topic });

const expectations: Record<Service, Expected[]> = {
  ingest: [
    moved('pushmail_ingest_smtp_sessions_total'),
    moved('pushmail_ingest_smtp_replies_total', { code: '220' }),
    moved('pushmail_ingest_smtp_replies_total', { code: '250' }),
    moved('pushmail_ingest_publish_seconds_count', { outcome: 'ok' }),
    moved('pushmail_ingest_publish_seconds_bucket', { outcome: 'ok', le: '+Inf' }),
    produced(mailArrivedTopic.name),
    exposed('pushmail_kafka_events_produce_failed_total', { topic: mailArrivedTopic.name }),
    consumed(accountTopic.name),
    lag(accountTopic.name),
  ],
  mailbox: [
    consumed(mailArrivedTopic.name),
    lag(mailArrivedTopic.name),
    deadLettered(mailArrivedTopic.name),
    produced(mailboxChangedTopic.name),
    moved('pushmail_mailbox_store_seconds_count'),
    moved('pushmail_mailbox_store_seconds_sum'),
    moved('pushmail_mailbox_delivery_events_handled_total'),
    moved('pushmail_mailbox_emails_stored_total'),
    exposed('pushmail_mailbox_deliveries_already_stored_total'),
    exposed('pushmail_mailbox_messages_stored_unparsed_total'),
  ],
  'push-delivery': [
    moved('pushmail_push_open_sockets'),
    moved('pushmail_push_state_changes_sent_total'),
    moved('pushmail_push_latency_seconds_count'),
    moved('pushmail_push_latency_seconds_sum'),
    moved('pushmail_push_fanout_seconds_count'),
    moved('pushmail_push_jmap_requests_total', { transport: 'websocket' }),
    moved('pushmail_push_device_snapshots_applied_total'),
    moved('pushmail_push_device_actions_total', { action: 'wipe' }),
    exposed('pushmail_push_device_actions_total', { action: 'disconnect' }),
    consumed(mailboxChangedTopic.name),
    consumed(deviceCredentialsTopic.name),
    lag(mailboxChangedTopic.name),
    lag(deviceCredentialsTopic.name),
    deadLettered(mailboxChangedTopic.name),
    produced(deviceTrailTopic.name),
  ],
  'device-registry': [
    produced(accountTopic.name),
    produced(deviceCredentialsTopic.name),
    produced(deviceEventTopic.name),
    moved('pushmail_registry_device_events_published_total', { type: 'registered' }),
    moved('pushmail_registry_device_events_published_total', { type: 'wipeRequested' }),
    exposed('pushmail_registry_device_events_published_total', { type: 'removed' }),
  ],
  operations: [
    consumed(deviceEventTopic.name),
    consumed(deviceTrailTopic.name),
    lag(deviceEventTopic.name),
    deadLettered(deviceTrailTopic.name),
  ],
};

describe('metrics: every service shows the push path on /metrics', () => {
  const suite = useSuitePlatform('metrics');

  const metricsUrl = (service: Service): string => {
    const port = {
      ingest: suite.platform.ports.ingest,
      mailbox: suite.platform.ports.mailbox,
      'push-delivery': suite.platform.ports.push,
      'device-registry': suite.platform.ports.registry,
      operations: suite.platform.ports.operations,
    }[service];
    return `http://${suite.platform.host}:${port}`;
  };

  it('moves the series of every hop when a mail reaches a connected device, and of the device events', async () => {
    const device = await connectedDevice(suite.platform, suite.registry, 'metrics');
    const { accountId, deviceId, client } = device;
    try {
      await deliverAndAwaitPush(suite.platform, device, 'metered');

      // Waited for before asking: the command can reach the socket before the answer reaches the test.
      const wiped = client.waitFor((message) => message['@type'] === 'DeviceWipe', 10_000);
      const wipe = await fetch(
        `${suite.platform.registryUrl}/admin/accounts/${accountId}/devices/${deviceId}/wipe`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${suite.platform.adminToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ kind: 'account', requestedBy: 'metrics test' }),
        },
      );
      expect(wipe.status).toBe(202);
      await wiped;

      // Scraped while the device is still connected: its socket is one of the open ones.
      for (const service of Object.keys(expectations) as Service[]) {
        const metrics = await expectEventually(
          async () => {
            const scraped = await scrapeMetrics(metricsUrl(service));
            expect(problems(scraped, expectations[service])).toEqual([]);
            return scraped;
          },
          { timeoutMs: 15_000, intervalMs: 200 },
        );
        if (service === 'push-delivery') {
          // A mail pushed within seconds of its acceptance: the histogram measures that, not a clock error.
          const seconds = metrics.value('pushmail_push_latency_seconds_sum')!;
          const count = metrics.value('pushmail_push_latency_seconds_count')!;
          expect(seconds / count).toBeLessThan(5);
        }
      }
    } finally {
      client.close();
    }
  });
});

/** What is missing or still zero among the expected series, worded for the failure message. */
function problems(metrics: ScrapedMetrics, expected: readonly Expected[]): string[] {
  const found: string[] = [];
  for (const { name, labels, moved: mustMove } of expected) {
    const value = metrics.value(name, labels);
    const series = `${name}${labels ? JSON.stringify(labels) : ''}`;
    if (value === undefined) found.push(`${series} is missing`);
    else if (mustMove && !(value > 0)) found.push(`${series} is ${value}, expected above 0`);
  }
  return found;
}
