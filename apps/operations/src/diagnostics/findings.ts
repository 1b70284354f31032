import type { z } from 'zod';
import type { DeviceSummary } from '../registry/registry-types.js';
import type { TrailEntry } from './trail-store.service.js';
import type { deviceDiagnosisSchema, findingSchema } from './dto/diagnostics.dto.js';

/** A finding and a device's diagnosis, as the operations API answers them (one shape, from its DTOs). */
export type Finding = z.output<typeof findingSchema>;
export type FindingCode = Finding['code'];
export type FindingSeverity = Finding['severity'];
export type DeviceDiagnosis = z.output<typeof deviceDiagnosisSchema>;
export type DeviceStatusVerdict = DeviceDiagnosis['status'];

export interface AccountFacts {
  deviceCount: number;
  deviceLimit: number;
  failedSignIns: number;
  lockedUntil: string | null;
}

export interface DiagnosisSettings {
  now: Date;
  /** Used when a disconnect does not say which ping interval was in force. */
  defaultPingIntervalMs: number;
  staleDays: number;
  fetchGraceMs: number;
  /** How long past its heartbeat a parked Ping may take before it counts as never returning. */
  pingGraceMs: number;
}

const STORM_WINDOW_MS = 5 * 60_000;
const STORM_CONNECTS = 10;
const IDLE_CUTS = 2;
/**
 * No NAT, firewall or load balancer cuts a connection for idleness in under a second: a connection
 * that ended with no close frame while it had been idle for less was dropped by its client.
 */
const MIN_IDLE_CUT_MS = 1000;
/** push-delivery's close code for a socket that gave way because its device opened more than its cap. */
const REPLACED_OVER_CAP = 4029;
const AUTH_FAILURES = 3;
/** Provision challenges for one policy version after which a device is in a loop. */
const PROVISION_LOOP_CHALLENGES = 3;
const FETCH_METHODS = new Set(['Email/get', 'Email/changes', 'Email/query', 'Email/queryChanges']);

/** Diagnoses one device from its trail (newest first or in any order) and what the registry knows. */
export function diagnoseDevice(
  device: DeviceSummary,
  trail: readonly TrailEntry[],
  account: AccountFacts,
  settings: DiagnosisSettings,
): DeviceDiagnosis {
  const own = [...trail]
    .filter((entry) => entry.deviceId === device.deviceId)
    .sort((a, b) => a.at.localeCompare(b.at));
  const abusive = abusiveReconnects(own);
  const findings = [
    idleCut(own, settings, device),
    // One cause, one finding: a client that closes its own connections is not also a storm.
    abusive ?? reconnectStorm(own),
    provisioningLoop(own),
    pingsNotReturning(own, settings),
    policyLoop(device, own),
    access(device),
    limit(account),
    authFailures(own, account),
    unfetched(own, settings),
    stale(device, settings),
    wipe(device),
  ].filter((finding): finding is Finding => finding !== undefined);
  return {
    accountId: device.accountId,
    deviceId: device.deviceId,
    address: device.address,
    status: worst(findings),
    lastSyncAt: device.lastSyncAt,
    findings,
  };
}

function worst(findings: readonly Finding[]): DeviceStatusVerdict {
  if (findings.some((finding) => finding.severity === 'error')) return 'error';
  if (findings.some((finding) => finding.severity === 'warning')) return 'warning';
  return findings.length > 0 ? 'info' : 'ok';
}

type Close = NonNullable<TrailEntry['close']>;
type Initiator = NonNullable<Close['initiator']>;

/** Who started a close; records from before push-delivery said so are read from which side closed. */
function initiatorOf(close: Close): Initiator {
  if (close.initiator) return close.initiator;
  return close.by === 'client' ? 'clientCloseFrame' : close.by === 'server' ? 'server' : 'silentCut';
}

/** How the client itself ended a connection, if it did; undefined when the network or the server did. */
function clientEnded(close: Close): 'closeFrame' | 'dropped' | 'replacedOverCap' | undefined {
  const initiator = initiatorOf(close);
  if (initiator === 'clientCloseFrame') return 'closeFrame';
  if (initiator === 'server') return close.code === REPLACED_OVER_CAP ? 'replacedOverCap' : undefined;
  // A connection that ended under a socket that was not idle was dropped by its client, not a middlebox.
  if (close.by === 'network' && (close.idleMs ?? close.lifetimeMs) < MIN_IDLE_CUT_MS) return 'dropped';
  return undefined;
}

/**
 * Sockets cut silently (no close frame either way) after sitting idle, before the first ping could
 * keep them busy: a middlebox idle timeout. Closes the client or the server made never count.
 */
function idleCut(
  trail: readonly TrailEntry[],
  settings: DiagnosisSettings,
  device: DeviceSummary,
): Finding | undefined {
  const cuts = trail.filter(
    (entry) =>
      entry.kind === 'disconnected' &&
      entry.close !== undefined &&
      initiatorOf(entry.close) === 'silentCut' &&
      entry.close.by === 'network' &&
      (entry.close.idleMs ?? entry.close.lifetimeMs) >= MIN_IDLE_CUT_MS &&
      entry.close.lifetimeMs < (entry.close.pingIntervalMs ?? settings.defaultPingIntervalMs),
  );
  if (cuts.length < IDLE_CUTS) return undefined;
  const lifetimes = cuts.map((entry) => entry.close?.lifetimeMs ?? 0).sort((a, b) => a - b);
  const observed = lifetimes[Math.floor(lifetimes.length / 2)] ?? 0;
  const pingIntervalMs = cuts[cuts.length - 1]?.close?.pingIntervalMs ?? settings.defaultPingIntervalMs;
  // Leave a margin below the observed timeout: timers on both sides drift.
  const suggested = Math.max(1000, Math.floor((observed * 0.8) / 1000) * 1000);
  if (device.protocol === 'activesync') {
    const heartbeat = Math.max(60, Math.floor(suggested / 1000));
    return {
      code: 'idleConnectionCut',
      severity: 'error',
      title: `Parked Pings are cut after about ${seconds(observed)}, before their ${seconds(pingIntervalMs)} heartbeat`,
      evidence: {
        cuts: cuts.length,
        observedLifetimeMs: observed,
        shortestLifetimeMs: lifetimes[0],
        longestLifetimeMs: lifetimes[lifetimes.length - 1],
        heartbeatMs: pingIntervalMs,
        lastCutAt: cuts[cuts.length - 1]?.at,
      },
      fix:
        `Something between the phone and the gateway (NAT, firewall, proxy or load balancer) closes requests idle for about ${seconds(observed)}. ` +
        `Raise that idle timeout above ${seconds(pingIntervalMs)}, or set PING_MAX_HEARTBEAT_SECONDS=${heartbeat} on activesync so phones are told (Ping Status 5) to park shorter.`,
    };
  }
  return {
    code: 'idleConnectionCut',
    severity: 'error',
    title: `Connections are cut after about ${seconds(observed)} idle, before the ${seconds(pingIntervalMs)} ping`,
    evidence: {
      cuts: cuts.length,
      observedLifetimeMs: observed,
      shortestLifetimeMs: lifetimes[0],
      longestLifetimeMs: lifetimes[lifetimes.length - 1],
      pingIntervalMs,
      lastCutAt: cuts[cuts.length - 1]?.at,
    },
    fix:
      `Something between the device and the service (NAT, firewall, proxy or load balancer) closes connections idle for about ${seconds(observed)}. ` +
      `Set WS_PING_INTERVAL_MS=${suggested} on push-delivery, or raise that idle timeout above ${seconds(pingIntervalMs)}.`,
  };
}

/**
 * A client that opens connections and ends them itself, over and over: close frames of its own,
 * connections dropped while in use, or sockets that gave way because it held more than its cap.
 */
function abusiveReconnects(trail: readonly TrailEntry[]): Finding | undefined {
  const ended = trail
    .filter((entry) => entry.kind === 'disconnected' && entry.close !== undefined)
    .map((entry) => ({ at: Date.parse(entry.at), close: entry.close!, how: clientEnded(entry.close!) }))
    .filter((entry) => entry.how !== undefined);
  let best = 0;
  let bestStart = 0;
  for (let start = 0, end = 0; end < ended.length; end += 1) {
    while ((ended[end]?.at ?? 0) - (ended[start]?.at ?? 0) > STORM_WINDOW_MS) start += 1;
    if (end - start + 1 > best) {
      best = end - start + 1;
      bestStart = start;
    }
  }
  if (best < STORM_CONNECTS) return undefined;
  const window = ended.slice(bestStart, bestStart + best);
  const count = (how: string) => window.filter((entry) => entry.how === how).length;
  const lifetimes = window.map((entry) => entry.close.lifetimeMs).sort((a, b) => a - b);
  const median = lifetimes[Math.floor(lifetimes.length / 2)] ?? 0;
  return {
    code: 'abusiveReconnects',
    severity: 'warning',
    title: `The client itself ended ${best} connections within 5 minutes, after about ${seconds(median)} each`,
    evidence: {
      connectionsEnded: best,
      windowMs: STORM_WINDOW_MS,
      from: new Date(window[0]?.at ?? 0).toISOString(),
      closeFrames: count('closeFrame'),
      droppedWhileActive: count('dropped'),
      replacedOverCap: count('replacedOverCap'),
      medianLifetimeMs: median,
    },
    fix:
      "The closes are the client's own (its close frames, connections it dropped while in use, or sockets replaced because it held more than PUSH_MAX_CONNECTIONS_PER_DEVICE), " +
      "not the network's or the service's: the client reconnects in a loop. Update or reconfigure the client; if it keeps on, block the device (PUT .../devices/{deviceId}/access). Nothing between the device and the service needs changing.",
  };
}

/** A device handed Provision challenges over and over for the same policy version. */
function provisioningLoop(trail: readonly TrailEntry[]): Finding | undefined {
  const challenges = new Map<string, TrailEntry[]>();
  for (const entry of trail) {
    if (entry.kind !== 'policyDecision' || entry.activesync?.command !== 'Provision') continue;
    if (entry.activesync.status !== 'challenge') continue;
    const key = `${entry.activesync.policyId ?? 'none'}/${entry.activesync.policyVersion ?? 0}`;
    challenges.set(key, [...(challenges.get(key) ?? []), entry]);
  }
  const [worstKey, worstEntries] = [...challenges].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (!worstKey || !worstEntries || worstEntries.length < PROVISION_LOOP_CHALLENGES) return undefined;
  const first = worstEntries[0]!;
  const last = worstEntries[worstEntries.length - 1]!;
  return {
    code: 'provisioningLoop',
    severity: 'error',
    title: `Asked to provision ${worstEntries.length} times for the same policy version`,
    evidence: {
      challenges: worstEntries.length,
      policyId: first.activesync?.policyId ?? null,
      policyVersion: first.activesync?.policyVersion ?? null,
      firstAt: first.at,
      lastAt: last.at,
    },
    fix: 'The device never finishes Provision (it does not send the acknowledgement, or drops the policy key it was given). Look at its timeline; if it cannot meet the policy, assign the account a policy it supports or exempt the device; otherwise remove the account from the phone and add it again.',
  };
}

/** Parked Pings that ran past their heartbeat and grace without an answer reaching the device. */
function pingsNotReturning(trail: readonly TrailEntry[], settings: DiagnosisSettings): Finding | undefined {
  const stuck: Array<{ at: string; heartbeatSeconds: number; overdueMs: number }> = [];
  trail.forEach((entry, index) => {
    if (entry.kind !== 'ping' || entry.activesync?.command !== 'Ping') return;
    const heartbeatMs = (entry.activesync.heartbeatSeconds ?? 0) * 1000;
    const parkedAt = Date.parse(entry.at);
    const ended = trail
      .slice(index + 1)
      .find(
        (later) =>
          (later.kind === 'request' && later.activesync?.command === 'Ping') || later.kind === 'disconnected',
      );
    const endedAt = ended ? Date.parse(ended.at) : settings.now.getTime();
    const overdueMs = endedAt - parkedAt - heartbeatMs - settings.pingGraceMs;
    if (overdueMs > 0) stuck.push({ at: entry.at, heartbeatSeconds: heartbeatMs / 1000, overdueMs });
  });
  if (stuck.length === 0) return undefined;
  const last = stuck[stuck.length - 1]!;
  return {
    code: 'pingsNotReturning',
    severity: 'error',
    title: `${stuck.length} parked Ping${stuck.length === 1 ? '' : 's'} ran past the heartbeat without an answer`,
    evidence: {
      pings: stuck.length,
      lastParkedAt: last.at,
      heartbeatSeconds: last.heartbeatSeconds,
      overdueMs: last.overdueMs,
      graceMs: settings.pingGraceMs,
    },
    fix: 'The gateway should answer every Ping at its heartbeat at the latest. Check that the activesync replica holding it is alive (a replica killed without closing its connections leaves Pings hanging until the client times out) and that a proxy in front of it does not buffer responses.',
  };
}

function reconnectStorm(trail: readonly TrailEntry[]): Finding | undefined {
  const connects = trail.filter((entry) => entry.kind === 'connected').map((entry) => Date.parse(entry.at));
  let best = 0;
  let bestStart = 0;
  for (let start = 0, end = 0; end < connects.length; end += 1) {
    while ((connects[end] ?? 0) - (connects[start] ?? 0) > STORM_WINDOW_MS) start += 1;
    if (end - start + 1 > best) {
      best = end - start + 1;
      bestStart = start;
    }
  }
  if (best < STORM_CONNECTS) return undefined;
  const from = connects[bestStart] ?? 0;
  const until = from + STORM_WINDOW_MS;
  const closedBy = { clientCloseFrame: 0, server: 0, silentCut: 0 };
  for (const entry of trail) {
    const at = Date.parse(entry.at);
    if (entry.kind === 'disconnected' && entry.close && at >= from && at <= until)
      closedBy[initiatorOf(entry.close)] += 1;
  }
  const most = (Object.entries(closedBy) as Array<[Initiator, number]>).sort((a, b) => b[1] - a[1])[0];
  const who =
    !most || most[1] === 0
      ? ''
      : most[0] === 'server'
        ? ', most closed by the server'
        : most[0] === 'silentCut'
          ? ', most cut silently'
          : ', most closed by the client';
  return {
    code: 'reconnectStorm',
    severity: 'warning',
    title: `${best} connections within 5 minutes${who}`,
    evidence: {
      connects: best,
      windowMs: STORM_WINDOW_MS,
      from: new Date(from).toISOString(),
      closedBy,
    },
    fix:
      most?.[0] === 'server'
        ? "The service keeps closing this device's connections: read the close codes and reasons in its timeline (access, restarts, a slow reader)."
        : 'Connections keep ending with no close frame: look at the close codes in the timeline and at the network between the device and the service; a client that reconnects without backoff should be updated.',
  };
}

function policyLoop(device: DeviceSummary, trail: readonly TrailEntry[]): Finding | undefined {
  if (!device.policy || device.policyAcknowledged || device.status !== 'active') return undefined;
  const connects = trail.filter((entry) => entry.kind === 'connected').length;
  const requests = trail.filter((entry) => entry.kind === 'request').length;
  return {
    code: 'policyNotAcknowledged',
    severity: connects > 0 || requests > 0 ? 'error' : 'warning',
    title:
      connects > 0 || requests > 0
        ? `Keeps connecting without acknowledging policy "${device.policy.name}" version ${device.policy.version}`
        : `Has not acknowledged policy "${device.policy.name}" version ${device.policy.version}`,
    evidence: {
      policy: device.policy,
      acknowledged: device.acknowledgedPolicy,
      connectsSeen: connects,
      requestsSeen: requests,
    },
    fix: 'Mail is held until the device acknowledges. If the device cannot meet the policy, assign the account a policy it supports or exempt the device; otherwise update the client.',
  };
}

function access(device: DeviceSummary): Finding | undefined {
  if (device.access === 'allowed') return undefined;
  const blocked = device.access === 'blocked';
  return {
    code: blocked ? 'blocked' : 'quarantined',
    severity: blocked ? 'error' : 'warning',
    title: blocked
      ? `Blocked by ${device.accessReason ?? 'a rule'}`
      : `Quarantined by ${device.accessReason ?? 'a rule'}`,
    evidence: {
      access: device.access,
      rule: device.accessReason,
      ruleSource: device.accessSource,
      ruleId: device.accessRuleId,
      decidedAt: device.accessDecidedAt,
      deviceType: device.deviceType,
      model: device.model,
    },
    fix: blocked
      ? 'If the device should sync, allow it with an exemption (PUT .../devices/{deviceId}/access) or change the rule.'
      : 'Approve it (PUT .../devices/{deviceId}/access with "allowed") or block it; until then it gets no mail.',
  };
}

function limit(account: AccountFacts): Finding | undefined {
  if (account.deviceCount < account.deviceLimit) return undefined;
  return {
    code: 'partnershipLimitReached',
    severity: 'warning',
    title: `The account has ${account.deviceCount} of ${account.deviceLimit} partnerships`,
    evidence: { deviceCount: account.deviceCount, limit: account.deviceLimit },
    fix: 'A new device of this account is refused with device_limit_reached: remove a stale partnership or raise MAX_DEVICES_PER_ACCOUNT.',
  };
}

function authFailures(trail: readonly TrailEntry[], account: AccountFacts): Finding | undefined {
  const failures = trail.filter((entry) => entry.kind === 'authFailed');
  const locked = account.lockedUntil !== null;
  if (failures.length < AUTH_FAILURES && !locked && account.failedSignIns < AUTH_FAILURES) return undefined;
  const last = failures[failures.length - 1];
  return {
    code: 'authFailures',
    severity: locked ? 'error' : 'warning',
    title: locked
      ? `The account is locked until ${account.lockedUntil}`
      : `${Math.max(failures.length, account.failedSignIns)} failed authentications`,
    evidence: {
      refusedConnections: failures.length,
      failedSignIns: account.failedSignIns,
      lockedUntil: account.lockedUntil,
      lastStatus: last?.auth?.status,
      lastReason: last?.auth?.reason,
      lastAt: last?.at,
    },
    fix: locked
      ? 'Check the password saved on the device, then unlock the account (POST /admin/accounts/{accountId}/unlock).'
      : 'The device presents a credential the platform refuses: read the reason, then re-register the device or fix its password.',
  };
}

function unfetched(trail: readonly TrailEntry[], settings: DiagnosisSettings): Finding | undefined {
  const lastFetch = trail.findLastIndex(
    (entry) =>
      entry.kind === 'request' &&
      (entry.request?.methods ?? []).some(
        (name) =>
          FETCH_METHODS.has(name) ||
          name.startsWith('HTTP GET /jmap/download') ||
          // Trail records kept from before HTTP requests were recorded by JMAP method name.
          name.startsWith('HTTP POST /jmap/api'),
      ),
  );
  const pushes = trail.slice(lastFetch + 1).filter((entry) => entry.kind === 'pushSent');
  const first = pushes[0];
  if (!first) return undefined;
  // A folded record's `at` is its last push; its first is `firstAt`.
  const firstPushAt = first.firstAt ?? first.at;
  const waitedMs = settings.now.getTime() - Date.parse(firstPushAt);
  if (waitedMs < settings.fetchGraceMs) return undefined;
  const count = pushes.reduce((sum, entry) => sum + (entry.count ?? 1), 0);
  return {
    code: 'pushesNotFetched',
    severity: 'warning',
    title: `${count} pushes received but mail never fetched`,
    evidence: {
      pushes: count,
      firstPushAt,
      lastFetchAt: lastFetch >= 0 ? trail[lastFetch]?.at : null,
      waitedMs,
    },
    fix: 'The device hears about new mail but does not ask for it: check the client is not in a power-saving or background-restricted mode, and that its sync settings include the mailbox.',
  };
}

function stale(device: DeviceSummary, settings: DiagnosisSettings): Finding | undefined {
  const since = device.lastSyncAt ?? device.createdAt;
  const idleMs = settings.now.getTime() - Date.parse(since);
  if (idleMs < settings.staleDays * 86_400_000) return undefined;
  const days = Math.floor(idleMs / 86_400_000);
  return {
    code: 'stalePartnership',
    severity: 'info',
    title: `Not connected for ${days} days`,
    evidence: { lastSyncAt: device.lastSyncAt, createdAt: device.createdAt, idleDays: days },
    fix: 'If the device is gone, remove the partnership (DELETE .../devices/{deviceId}) to free a place under the device limit.',
  };
}

function wipe(device: DeviceSummary): Finding | undefined {
  if (!device.pendingWipe) return undefined;
  return {
    code: 'wipePending',
    severity: 'info',
    title: `A ${device.pendingWipe.kind} wipe waits for the device since ${device.pendingWipe.requestedAt}`,
    evidence: { ...device.pendingWipe },
    fix: 'The wipe runs when the device next connects; cancel it if it was requested by mistake.',
  };
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
