import { TOKEN_VERDICT_KINDS, type TokenVerdict } from '@pushmail/edge';
import { metricsModule, MetricSet } from '@pushmail/platform';

/** The gateway's metrics, served on /metrics by the platform's health module. */
export class ActiveSyncMetrics extends MetricSet {
  readonly commands = this.counter(
    'pushmail_activesync_commands_total',
    'ActiveSync commands answered, by command and top Status (or http_<code> when answered without a body).',
    { labelNames: ['command', 'status'] },
  );
  readonly commandSeconds = this.histogram(
    'pushmail_activesync_command_seconds',
    'How long ActiveSync commands took to answer (a parked Ping for as long as it was parked).',
    {
      labelNames: ['command'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600, 3600],
    },
  );
  readonly parkedPings = this.gauge(
    'pushmail_activesync_parked_pings',
    'Ping requests parked on this replica, waiting for a change or their heartbeat.',
  );
  readonly pingEnds = this.counter(
    'pushmail_activesync_ping_ends_total',
    'How parked Pings ended: changed (Status 2), heartbeat (Status 1), superseded (a newer Ping of the device), standing (block, policy, wipe), gone (the device left), shutdown.',
    { labelNames: ['reason'] },
  );
  readonly pushLatencySeconds = this.histogram(
    'pushmail_activesync_push_latency_seconds',
    'From the SMTP acceptance of a message to the Ping response announcing its folder.',
    { buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  );

  readonly mailboxRequests = this.counter(
    'pushmail_activesync_mailbox_requests_total',
    "HTTP requests to mailbox's internal API, by endpoint (jmap, blob, upload); a retried request counts twice.",
    { labelNames: ['endpoint'] },
  );
  readonly mailboxMethodCalls = this.counter(
    'pushmail_activesync_mailbox_method_calls_total',
    'JMAP method calls sent to mailbox, by method: what each delivered message costs the mail store.',
    { labelNames: ['method'] },
  );

  readonly tokenChecks = this.counterByValue(
    'pushmail_activesync_token_checks_total',
    "Device tokens (Bearer) the device views did not hold, by what device-registry's check made of them: indexed (confirmed, then admitted or refused by the caught-up views), unknown (unknown or revoked: 401), unavailable (no answer, throttled, or the views still behind: 503).",
    'verdict',
    TOKEN_VERDICT_KINDS,
  );

  tokenChecked(verdict: TokenVerdict['kind']): void {
    this.tokenChecks.count(verdict);
  }

  commandAnswered(command: string, status: string, durationMs: number): void {
    this.commands.inc({ command, status });
    this.commandSeconds.observe({ command }, durationMs / 1000);
  }
}

export const MetricsModule = metricsModule(ActiveSyncMetrics, { global: true });
