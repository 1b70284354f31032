import { randomUUID } from 'node:crypto';
import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import {
  CORE_CAPABILITY,
  DEVICE_CAPABILITY,
  type Invocation,
  type JmapRequest,
  LIMIT_ERROR,
  MAIL_CAPABILITY,
  RequestProblem,
} from '@pushmail/jmap';
import { credentialsSnapshot, policySettings } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { MailboxRefusedRequest, type MailboxResponse } from '../api/mailbox-client.js';
import type { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import type { RegistryClient } from '@pushmail/edge';
import { silentLogger } from '../testing/fake-socket.js';
import { DeviceGate } from './device-gate.service.js';
import { DeviceMethods } from './device-methods.js';

const accountId = randomUUID();
const policyId = randomUUID();
const device = { accountId, deviceId: 'phone', tokenSha256: 'a'.repeat(64) };

function setUp(initial: Partial<DeviceCredentialsV1['devices'][number]> = {}, withPolicy = false) {
  let current = credentialsSnapshot(
    accountId,
    [{ deviceId: 'phone', ...initial }],
    withPolicy
      ? {
          policy: {
            policyId,
            name: 'p',
            version: 1,
            settings: policySettings({
              minPinLength: 4,
              lockAfterIdleSeconds: null,
              wipeAfterFailedUnlocks: null,
              syncWindowDays: null,
            }),
          },
        }
      : {},
  );
  const credentials = {
    snapshotOf: () => current,
    waitForRevision: async () => true,
  } as unknown as DeviceCredentialsView;
  const registryCalls: unknown[] = [];
  const registry = {
    acknowledgePolicy: async (body: { version: number }) => {
      registryCalls.push(body);
      current = {
        ...current,
        revision: 2,
        devices: [{ ...current.devices[0]!, acknowledgedPolicy: { policyId, version: body.version } }],
      };
      return { ok: true, value: { policyId, version: body.version, revision: 2 } };
    },
  } as unknown as RegistryClient;
  const forwarded: JmapRequest[] = [];
  const forward = async (request: JmapRequest): Promise<MailboxResponse> => {
    forwarded.push(request);
    return {
      methodResponses: request.methodCalls.map(([name, args, callId]): Invocation => [
        name,
        { echoed: args },
        callId,
      ]),
      sessionState: 'mailbox',
    };
  };
  const gate = new DeviceGate(credentials, new DeviceMethods(credentials, registry, silentLogger));
  return { gate, forward, forwarded, registryCalls };
}

describe(DeviceGate.name, () => {
  it('passes a mail request of an allowed device straight through', async () => {
    const { gate, forward, forwarded } = setUp();
    const request = {
      using: [CORE_CAPABILITY, MAIL_CAPABILITY],
      methodCalls: [['Email/get', { accountId, ids: [] }, 'a'] as Invocation],
    };
    const answer = await gate.run(device, request, forward);
    expect(forwarded).toEqual([request]);
    expect(answer.methodResponses[0]![0]).toBe('Email/get');
  });

  it('answers every mail call of a quarantined device with a forbidden error, without asking mailbox', async () => {
    const { gate, forward, forwarded } = setUp({ access: 'quarantined' });
    const answer = await gate.run(
      device,
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Core/echo', { x: 1 }, 'e'],
          ['Email/query', { accountId }, 'q'],
        ],
      },
      forward,
    );
    expect(forwarded).toEqual([]);
    expect(answer.methodResponses).toEqual([
      ['Core/echo', { x: 1 }, 'e'],
      ['error', expect.objectContaining({ type: 'forbidden', deviceStatus: 'quarantined' }), 'q'],
    ]);
  });

  it('refuses mail until the policy is acknowledged, and lets the rest of the same request through after', async () => {
    const { gate, forward, forwarded, registryCalls } = setUp({}, true);
    const answer = await gate.run(
      device,
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY, DEVICE_CAPABILITY],
        methodCalls: [
          ['Email/get', { accountId, ids: [] }, 'before'],
          ['DevicePolicy/acknowledge', { accountId, version: 1 }, 'ack'],
          ['Email/get', { accountId, ids: [] }, 'after'],
        ],
      },
      forward,
    );
    expect(answer.methodResponses[0]).toEqual(
      methodError('before', 'policyAcknowledgementRequired', { version: 1 }),
    );
    expect(answer.methodResponses[1]).toEqual([
      'DevicePolicy/acknowledge',
      expect.objectContaining({ acknowledged: true, version: 1 }),
      'ack',
    ]);
    expect(answer.methodResponses[2]![0]).toBe('Email/get');
    expect(registryCalls).toEqual([{ accountId, deviceId: 'phone', version: 1 }]);
    // mailbox never sees the device capability.
    expect(forwarded.map((request) => request.using)).toEqual([[CORE_CAPABILITY, MAIL_CAPABILITY]]);
  });

  it('answers device methods only when the capability is in "using", and only for the own account', async () => {
    const { gate, forward } = setUp({}, true);
    const without = await gate.run(
      device,
      { using: [CORE_CAPABILITY], methodCalls: [['DevicePolicy/get', {}, 'g']] },
      forward,
    );
    expect(without.methodResponses[0]).toEqual(methodError('g', 'unknownMethod'));
    const other = await gate.run(
      device,
      {
        using: [CORE_CAPABILITY, DEVICE_CAPABILITY],
        methodCalls: [['DevicePolicy/get', { accountId: randomUUID() }, 'g']],
      },
      forward,
    );
    expect(other.methodResponses[0]).toEqual(methodError('g', 'accountNotFound'));
    const own = await gate.run(
      device,
      { using: [CORE_CAPABILITY, DEVICE_CAPABILITY], methodCalls: [['DevicePolicy/get', {}, 'g']] },
      forward,
    );
    expect(own.methodResponses[0]).toEqual([
      'DevicePolicy/get',
      expect.objectContaining({ accountId, acknowledgementRequired: true, deviceStatus: 'allowed' }),
      'g',
    ]);
  });

  it('counts the mailbox runs of one request against one budget, around device calls', async () => {
    const { gate, forward } = setUp();
    const big = 'x'.repeat(9_000_000);
    const request: JmapRequest = {
      using: [CORE_CAPABILITY, MAIL_CAPABILITY, DEVICE_CAPABILITY],
      methodCalls: [
        ['Core/echo', { big }, 'a'],
        ['DevicePolicy/get', { accountId }, 'p'],
        ['Core/echo', { big }, 'b'],
      ],
    };
    const error = await gate.run(device, request, forward).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestProblem);
    expect((error as RequestProblem).problem).toMatchObject({
      type: LIMIT_ERROR,
      limit: 'maxSizeResponse',
    });
  });

  it('keeps the answer of a write and answers requestTooLarge for the calls past the budget', async () => {
    const { gate, forward } = setUp();
    const big = 'x'.repeat(9_000_000);
    const answered = await answersOf(
      gate,
      [
        ['Email/set', { accountId, big }, 's'],
        ['DevicePolicy/get', { accountId }, 'p'],
        ['Core/echo', { big }, 'b'],
        ['Email/get', { accountId, ids: [] }, 'g'],
      ],
      forward,
    );
    expect(answered).toEqual(['Email/set', 'DevicePolicy/get', 'requestTooLarge', 'requestTooLarge']);
  });

  it('answers requestTooLarge when mailbox refuses a later run as over budget after a write', async () => {
    const { gate, forward } = setUp();
    let runs = 0;
    const refusingSecondRun = async (request: JmapRequest): Promise<MailboxResponse> => {
      runs += 1;
      if (runs === 2) {
        throw new MailboxRefusedRequest({
          type: LIMIT_ERROR,
          status: 400,
          detail: 'over maxSizeResponse',
          limit: 'maxSizeResponse',
        });
      }
      return forward(request);
    };
    const answered = await answersOf(
      gate,
      [
        ['Email/set', { accountId }, 's'],
        ['DevicePolicy/get', { accountId }, 'p'],
        ['Email/get', { accountId, ids: [] }, 'g'],
      ],
      refusingSecondRun,
    );
    expect(answered).toEqual(['Email/set', 'DevicePolicy/get', 'requestTooLarge']);
  });
});

/** Runs mail and device calls of the device through the gate: each answer's name, or its error's type. */
async function answersOf(
  gate: DeviceGate,
  methodCalls: JmapRequest['methodCalls'],
  forward: (request: JmapRequest) => Promise<MailboxResponse>,
): Promise<unknown[]> {
  const { methodResponses } = await gate.run(
    device,
    { using: [CORE_CAPABILITY, MAIL_CAPABILITY, DEVICE_CAPABILITY], methodCalls },
    forward,
  );
  return methodResponses.map(([name, args]) => (name === 'error' ? args['type'] : name));
}

/** The answer to call `callId` when it failed with a method error of `type` (and these arguments). */
function methodError(callId: string, type: string, args: Record<string, unknown> = {}): unknown[] {
  return ['error', expect.objectContaining({ type, ...args }), callId];
}
