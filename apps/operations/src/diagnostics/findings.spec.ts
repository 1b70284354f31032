import { describe, expect, it } from 'vitest';
import type { DeviceSummary } from '../registry/registry-types.js';
import { diagnoseDevice, type AccountFacts, type DiagnosisSettings } from './findings.js';
import type { TrailEntry } from './trail-store.service.js';

const now = new Date('2026-03-14T12:00:00.000Z');
const accountId = '6f1c2a7e-3b9d-4c51-9e0a-2d7b8c4f1a36';
const settings: DiagnosisSettings = {
  now,
  defaultPingIntervalMs: 30_000,
  staleDays: 14,
  fetchGraceMs: 60_000,
  pingGraceMs: 60_000,
};
const account: AccountFacts = { deviceCount: 1, deviceLimit: 10, failedSignIns: 0, lockedUntil: null };

function device(overrides: Partial<DeviceSummary> = {}): DeviceSummary {
  return {
    accountId,
    address: 'alice@example.com',
    deviceId: 'phone',
    deviceType: 'phone',
    model: 'x',
    os: null,
    userAgent: null,
    access: 'allowed',
    accessReason: 'organisation default: allowed',
    accessSource: 'default',
    accessRuleId: null,
    accessDecidedAt: now.toISOString(),
    exemption: null,
    authMethod: 'token',
    status: 'active',
    wipedAt: null,
    firstSyncAt: now.toISOString(),
    lastSyncAt: now.toISOString(),
    lastSeenAddress: null,
    protocol: 'jmap',
    protocolVersion: null,
    lastCommand: null,
    lastCommandAt: null,
    heartbeatSeconds: null,
    policy: null,
    acknowledgedPolicy: null,
    policyAcknowledged: true,
    pendingWipe: null,
    liveTokens: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...overrides,
  };
}

let sequence = 0;
function entry(kind: TrailEntry['kind'], secondsAgo: number, extra: Partial<TrailEntry> = {}): TrailEntry {
  sequence += 1;
  return {
    id: String(sequence),
    accountId,
    deviceId: 'phone',
    source: 'test',
    kind,
    at: new Date(now.getTime() - secondsAgo * 1000).toISOString(),
    ...extra,
  };
}

/** The diagnosis of `trail` for the device (a healthy JMAP phone unless given), now. */
function diagnose(trail: TrailEntry[], forDevice = device(), facts = account) {
  return diagnoseDevice(forDevice, trail, facts, settings);
}

describe(diagnoseDevice.name, () => {
  it('finds nothing wrong with a healthy device', () => {
    const diagnosis = diagnose([entry('connected', 60), entry('pong', 30)]);
    expect(diagnosis).toMatchObject({ status: 'ok', findings: [] });
  });

  it('names a middlebox idle timeout from sockets cut by the network before the first ping, with a ping interval to set', () => {
    const cut = (secondsAgo: number, lifetimeMs: number) =>
      entry('disconnected', secondsAgo, {
        close: { code: 1006, reason: '', by: 'network', lifetimeMs, pingIntervalMs: 30_000 },
      });
    const diagnosis = diagnose([cut(100, 10_100), cut(80, 9_900), cut(60, 10_000)]);
    const finding = diagnosis.findings.find((candidate) => candidate.code === 'idleConnectionCut');
    expect(finding?.evidence).toMatchObject({ cuts: 3, observedLifetimeMs: 10_000, pingIntervalMs: 30_000 });
    expect(finding?.fix).toContain('WS_PING_INTERVAL_MS=8000');
    expect(diagnosis.status).toBe('error');
  });

  it('does not blame the network for sockets the server or the client closed', () => {
    const closed = (by: 'client' | 'server') =>
      entry('disconnected', 10, { close: { code: 1000, reason: '', by, lifetimeMs: 100 } });
    const diagnosis = diagnose([closed('client'), closed('server'), closed('client')]);
    expect(diagnosis.findings.map((finding) => finding.code)).not.toContain('idleConnectionCut');
  });

  /** A connect and its close, `secondsAgo`, as push-delivery records them. */
  function session(secondsAgo: number, close: NonNullable<TrailEntry['close']>): TrailEntry[] {
    return [
      entry('connected', secondsAgo),
      entry('disconnected', secondsAgo - close.lifetimeMs / 1000, { close }),
    ];
  }
  /** `count` sessions `stepSeconds` apart, the first `firstSecondsAgo`, the nth ended by `closeOf(n)`. */
  function sessions(
    count: number,
    [firstSecondsAgo, stepSeconds]: [number, number],
    closeOf: (index: number) => NonNullable<TrailEntry['close']>,
  ): TrailEntry[] {
    return Array.from({ length: count }, (_, index) =>
      session(firstSecondsAgo - index * stepSeconds, closeOf(index)),
    ).flat();
  }
  const codesOf = (trail: TrailEntry[]) => diagnose(trail).findings.map((finding) => finding.code);

  it('reports a client that opened and closed 168 sockets in five minutes as reconnecting abusively, not as a network cut', () => {
    // As push-delivery recorded them before it said who started a close: no close frame, a few ms old.
    const legacy = sessions(168, [290, 1.7], (index) => ({
      code: 1006,
      reason: '',
      by: 'network',
      lifetimeMs: index % 40,
      pingIntervalMs: 30_000,
    }));
    const diagnosis = diagnose(legacy);
    expect(diagnosis.findings.map((finding) => finding.code)).toEqual(['abusiveReconnects']);
    expect(diagnosis.findings[0]).toMatchObject({
      severity: 'warning',
      evidence: { connectionsEnded: 168, droppedWhileActive: 168, closeFrames: 0 },
    });
    expect(diagnosis.findings[0]?.title).toMatch(/^The client itself ended 168 connections within 5 minutes/);
    expect(diagnosis.findings[0]?.fix).not.toMatch(/WS_PING_INTERVAL_MS/);

    // As it records them now: who started each close, and how long the socket had been idle.
    const recorded = sessions(168, [290, 1.7], () => ({
      code: 1006,
      reason: '',
      by: 'network',
      initiator: 'silentCut',
      idleMs: 3,
      lifetimeMs: 5,
      pingIntervalMs: 30_000,
    }));
    expect(codesOf(recorded)).toEqual(['abusiveReconnects']);
  });

  it("counts close frames of the client and sockets replaced over the cap as the client's own closes", () => {
    const frames = sessions(6, [200, 10], () => ({
      code: 1000,
      reason: '',
      by: 'client',
      initiator: 'clientCloseFrame',
      idleMs: 50,
      lifetimeMs: 50,
    }));
    const replaced = sessions(6, [100, 10], () => ({
      code: 4029,
      reason: 'replaced by a newer connection of this device: at most 4 per device',
      by: 'server',
      initiator: 'server',
      idleMs: 2000,
      lifetimeMs: 9000,
    }));
    const diagnosis = diagnose([...frames, ...replaced]);
    expect(diagnosis.findings.map((finding) => finding.code)).toEqual(['abusiveReconnects']);
    expect(diagnosis.findings[0]?.evidence).toMatchObject({
      closeFrames: 6,
      replacedOverCap: 6,
      droppedWhileActive: 0,
    });
  });

  it('names a middlebox only for silent cuts of idle sockets, never for a missed pong or a busy socket', () => {
    const silent = (secondsAgo: number, idleMs: number) =>
      entry('disconnected', secondsAgo, {
        close: {
          code: 1006,
          reason: '',
          by: 'network',
          initiator: 'silentCut',
          idleMs,
          lifetimeMs: idleMs + 20,
          pingIntervalMs: 30_000,
        },
      });
    expect(codesOf([silent(100, 10_000), silent(80, 10_000)])).toContain('idleConnectionCut');
    expect(codesOf([silent(100, 20), silent(80, 40)])).not.toContain('idleConnectionCut');
    const missedPong = (secondsAgo: number) =>
      entry('disconnected', secondsAgo, {
        close: {
          code: 1006,
          reason: 'no pong since the previous ping',
          by: 'server',
          initiator: 'silentCut',
          idleMs: 5_000,
          lifetimeMs: 20_000,
          pingIntervalMs: 30_000,
        },
      });
    expect(codesOf([missedPong(100), missedPong(80)])).not.toContain('idleConnectionCut');
  });

  it('says who closed the connections of a reconnect storm the client did not make', () => {
    const byServer = sessions(10, [200, 10], () => ({
      code: 1013,
      reason: 'mail store unavailable; reconnect to catch up',
      by: 'server',
      initiator: 'server',
      idleMs: 100,
      lifetimeMs: 2000,
    }));
    const diagnosis = diagnose(byServer);
    const storm = diagnosis.findings.find((finding) => finding.code === 'reconnectStorm');
    expect(storm?.title).toBe('10 connections within 5 minutes, most closed by the server');
    expect(storm?.evidence).toMatchObject({ closedBy: { server: 10, clientCloseFrame: 0, silentCut: 0 } });
    expect(diagnosis.findings.map((finding) => finding.code)).not.toContain('abusiveReconnects');
  });

  describe('ActiveSync devices', () => {
    const eas = () => device({ protocol: 'activesync', protocolVersion: '16.1', lastCommand: 'Ping' });
    const parked = (secondsAgo: number, heartbeatSeconds: number) =>
      entry('ping', secondsAgo, { activesync: { command: 'Ping', heartbeatSeconds } });
    const answered = (secondsAgo: number, status = '1') =>
      entry('request', secondsAgo, {
        request: { methods: ['Ping'], ok: true, durationMs: 1 },
        activesync: { command: 'Ping', status },
      });

    it('names a heartbeat the network cuts before it expires, with the heartbeat bound to set', () => {
      const cut = (secondsAgo: number, lifetimeMs: number) =>
        entry('disconnected', secondsAgo, {
          close: { code: 0, reason: 'Ping', by: 'network', lifetimeMs, pingIntervalMs: 900_000 },
          activesync: { command: 'Ping', heartbeatSeconds: 900 },
        });
      const diagnosis = diagnose([cut(2000, 300_000), cut(1000, 300_500)], eas());
      const finding = diagnosis.findings.find((candidate) => candidate.code === 'idleConnectionCut');
      expect(finding?.title).toContain('Parked Pings');
      expect(finding?.evidence).toMatchObject({ cuts: 2, heartbeatMs: 900_000 });
      expect(finding?.fix).toContain('PING_MAX_HEARTBEAT_SECONDS=240');
      expect(finding?.fix).not.toContain('WS_PING_INTERVAL_MS');
    });

    it('does not blame the network for Pings answered at their heartbeat', () => {
      const diagnosis = diagnose([parked(400, 120), answered(280), parked(279, 120), answered(159)], eas());
      expect(diagnosis).toMatchObject({ status: 'ok', findings: [] });
    });

    it('reports a provisioning loop: three challenges for the same policy version', () => {
      const policyId = '3f0c8a52-6b1e-4d7a-9c2f-5e8d1b4a7c90';
      const challenge = (secondsAgo: number, policyVersion: number) =>
        entry('policyDecision', secondsAgo, {
          activesync: { command: 'Provision', status: 'challenge', policyId, policyVersion },
        });
      const looping = diagnose([challenge(300, 2), challenge(200, 2), challenge(100, 2)], eas());
      const finding = looping.findings.find((candidate) => candidate.code === 'provisioningLoop');
      expect(finding).toMatchObject({
        severity: 'error',
        evidence: { challenges: 3, policyId, policyVersion: 2 },
      });
      // One challenge per policy version is how a policy change is meant to go.
      const moving = diagnose([challenge(300, 1), challenge(200, 2), challenge(100, 3)], eas());
      expect(moving.findings.map((candidate) => candidate.code)).not.toContain('provisioningLoop');
    });

    it('reports a Ping parked past its heartbeat and grace with no answer, and one answered far too late', () => {
      const hanging = diagnose([parked(600, 300)], eas());
      const finding = hanging.findings.find((candidate) => candidate.code === 'pingsNotReturning');
      expect(finding?.evidence).toMatchObject({ pings: 1, heartbeatSeconds: 300, overdueMs: 240_000 });
      const late = diagnose([parked(1000, 60), answered(100)], eas());
      expect(late.findings.map((candidate) => candidate.code)).toContain('pingsNotReturning');
      // Still within heartbeat + grace: not yet a finding.
      const waiting = diagnose([parked(200, 300)], eas());
      expect(waiting.findings.map((candidate) => candidate.code)).not.toContain('pingsNotReturning');
    });
  });

  it('reports a reconnect storm of ten connections within five minutes', () => {
    const trail = Array.from({ length: 10 }, (_, index) => entry('connected', 200 - index * 10));
    expect(diagnose(trail).findings.map((finding) => finding.code)).toContain('reconnectStorm');
  });

  it('reports a device that keeps connecting without acknowledging its policy', () => {
    const diagnosis = diagnose(
      [entry('connected', 50), entry('connected', 20)],
      device({ policy: { policyId: accountId, name: 'strict', version: 2 }, policyAcknowledged: false }),
    );
    expect(diagnosis.findings[0]).toMatchObject({
      code: 'policyNotAcknowledged',
      severity: 'error',
      evidence: { connectsSeen: 2 },
    });
  });

  it('names the rule that quarantined a device', () => {
    const diagnosis = diagnose(
      [],
      device({ access: 'quarantined', accessReason: 'rule: model "x*" is quarantined' }),
    );
    expect(diagnosis.findings[0]).toMatchObject({
      code: 'quarantined',
      evidence: { rule: 'rule: model "x*" is quarantined' },
    });
  });

  it('reports the partnership limit, a locked account, pushes never fetched and a stale partnership', () => {
    const codes = diagnose(
      [
        entry('request', 600, { request: { methods: ['Email/get'], ok: true, durationMs: 3 } }),
        entry('pushSent', 300, { count: 4 }),
      ],
      device({ lastSyncAt: new Date(now.getTime() - 20 * 86_400_000).toISOString() }),
      { deviceCount: 10, deviceLimit: 10, failedSignIns: 5, lockedUntil: now.toISOString() },
    ).findings.map((finding) => finding.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'partnershipLimitReached',
        'authFailures',
        'pushesNotFetched',
        'stalePartnership',
      ]),
    );
  });

  it('counts a blob download, and a JMAP call recorded by route by an older push-delivery, as a fetch', () => {
    for (const route of ['HTTP GET /jmap/download/a/b/c', 'HTTP POST /jmap/api']) {
      const trail = [
        entry('pushSent', 300),
        entry('request', 299, { request: { methods: [route], ok: true, durationMs: 8 } }),
      ];
      expect(diagnose(trail).findings).toEqual([]);
    }
  });

  it('does not count a request that reads no mail as a fetch', () => {
    const trail = [
      entry('pushSent', 300),
      entry('request', 299, { request: { methods: ['Core/echo'], ok: true, durationMs: 2 } }),
    ];
    expect(diagnose(trail).findings.map((finding) => finding.code)).toEqual(['pushesNotFetched']);
  });

  it('dates pushes never fetched from the first push of a folded record, and counts every push it stands for', () => {
    const firstAt = new Date(now.getTime() - 90_000).toISOString();
    const trail = [
      entry('request', 600, { request: { methods: ['Email/get'], ok: true, durationMs: 3 } }),
      entry('pushSent', 30, { count: 5, firstAt }),
      entry('pushSent', 10),
    ];
    const finding = diagnose(trail).findings.find((candidate) => candidate.code === 'pushesNotFetched');
    expect(finding?.evidence).toMatchObject({ pushes: 6, firstPushAt: firstAt, waitedMs: 90_000 });
    // Its last push alone is within the grace: without firstAt it would not be reported.
    expect(diagnose([entry('pushSent', 30, { count: 5 })]).findings).toEqual([]);
  });

  it('does not report pushes the device fetched afterwards', () => {
    const trail = [
      entry('pushSent', 300),
      entry('request', 299, { request: { methods: ['Email/changes'], ok: true, durationMs: 3 } }),
    ];
    expect(diagnose(trail).findings).toEqual([]);
  });
});
