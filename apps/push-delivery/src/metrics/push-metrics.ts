import { TOKEN_VERDICT_KINDS } from '@pushmail/edge';
import { metricsModule, MetricSet } from '@pushmail/platform';

export type JmapTransport = 'http' | 'websocket';

/**
 * What the device edge did about a device after its account's credentials snapshot changed (or
 * when it connected): cut its socket because its access ended, or told it of a wipe, of its
 * quarantine or release, of a new policy, and released mail held back from it.
 */
export const deviceActions = ['disconnect', 'wipe', 'status', 'policy', 'release'] as const;
export type DeviceAction = (typeof deviceActions)[number];

/** The per-device limits that can turn a device away: sockets, EventSource streams, push enables. */
export const deviceLimits = ['websocketsPerDevice', 'eventStreamsPerDevice', 'pushEnable'] as const;
export type DeviceLimit = (typeof deviceLimits)[number];

/** What a check with device-registry made of a device token the credentials index did not hold. */
export const tokenCheckVerdicts = TOKEN_VERDICT_KINDS;
export type TokenCheckVerdict = (typeof tokenCheckVerdicts)[number];

/**
 * The service's metrics, served on /metrics by the platform's health module. Events produced and
 * consumed are counted by the platform's Kafka metrics.
 */
export class PushMetrics extends MetricSet {
  readonly openSockets = this.gauge('pushmail_push_open_sockets', 'Device WebSockets open on this replica.');
  readonly stateChangesSent = this.counter(
    'pushmail_push_state_changes_sent_total',
    'StateChange messages written to device sockets and EventSource streams.',
  );
  readonly fanoutSeconds = this.histogram(
    'pushmail_push_fanout_seconds',
    "From receipt of an account's change to the last StateChange handed to its sockets.",
    { buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
  );
  readonly pushLatencySeconds = this.histogram(
    'pushmail_push_latency_seconds',
    'From the SMTP acceptance of a message to the StateChange announcing it written to the sockets of its account, one observation per pushed change.',
    { buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30] },
  );
  readonly jmapRequests = this.counter(
    'pushmail_push_jmap_requests_total',
    'JMAP requests received from devices, by transport.',
    { labelNames: ['transport'] },
  );
  readonly jmapRequestsInFlight = this.gauge(
    'pushmail_push_jmap_requests_in_flight',
    'JMAP requests of devices being run on mailbox now, over either transport; one whose device left is cancelled and leaves this count at once.',
  );
  readonly deviceSnapshotsApplied = this.counter(
    'pushmail_push_device_snapshots_applied_total',
    "Accounts' device credentials snapshots (access, wipes, policy, tokens) applied by this replica.",
  );
  readonly deviceActions = this.counterByValue(
    'pushmail_push_device_actions_total',
    'What the edge did about connected devices: disconnect (access ended), wipe, status (quarantined or allowed), policy, release (held mail released).',
    'action',
    deviceActions,
  );
  readonly deviceLimited = this.counterByValue(
    'pushmail_push_device_limited_total',
    'Times a per-device limit held: websocketsPerDevice and eventStreamsPerDevice (the oldest connection closed), pushEnable (a WebSocketPushEnable refused).',
    'limit',
    deviceLimits,
  );
  readonly tokenChecks = this.counterByValue(
    'pushmail_push_token_checks_total',
    "Device tokens the credentials index did not hold, by what device-registry's check made of them: indexed (confirmed, then admitted or refused by the caught-up index), unknown (unknown or revoked: 401), unavailable (no answer, throttled, or the index still behind: 503).",
    'verdict',
    tokenCheckVerdicts,
  );

  tokenChecked(verdict: TokenCheckVerdict): void {
    this.tokenChecks.count(verdict);
  }

  deviceAction(action: DeviceAction): void {
    this.deviceActions.count(action);
  }

  limited(limit: DeviceLimit): void {
    this.deviceLimited.count(limit);
  }
}

export const MetricsModule = metricsModule(PushMetrics, { global: true });
