import { Inject, Injectable, Optional } from '@nestjs/common';
import { DEVICE_CAPABILITY, type Invocation, MethodError, methodErrorResponse } from '@pushmail/jmap';
import type { Logger } from 'pino';
import { LOGGER } from '@pushmail/platform';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { deviceStateOf, RegistryClient, RegistryUnavailableError } from '@pushmail/edge';
import { policyStanding } from './device-messages.js';
import { WEB_PUSH, type WebPush } from '../webpush/web-push.service.js';

/** How long an acknowledgement waits for this replica to see it before answering. */
const VIEW_WAIT_MS = 5000;

export const DEVICE_METHODS = ['DevicePolicy/get', 'DevicePolicy/acknowledge', 'DeviceWipe/confirm'] as const;

/** Methods run here at the edge rather than by mailbox: device management and push subscriptions. */
export function isDeviceMethod(name: string): boolean {
  return (
    name.startsWith('DevicePolicy/') || name.startsWith('DeviceWipe/') || name.startsWith('PushSubscription/')
  );
}

/**
 * The `urn:pushmail:params:jmap:device` methods. They run here, at the edge that holds the
 * device's state, and forward what must be recorded to device-registry; mailbox never sees them.
 */
@Injectable()
export class DeviceMethods {
  private readonly log: Logger;

  constructor(
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(WEB_PUSH) private readonly webPush?: WebPush | null,
  ) {
    this.log = logger.child({ component: 'device-methods' });
  }

  async call(
    device: AuthenticatedDevice,
    using: readonly string[],
    [name, args, callId]: Invocation,
  ): Promise<Invocation> {
    if (name.startsWith('PushSubscription/')) {
      // RFC 8620 §7.2: part of the core capability, and of the credentials' account (no accountId).
      if (!this.webPush)
        return methodErrorResponse('unknownMethod', 'Web Push is not offered by this server', callId);
      return this.webPush.methods.call(device.accountId, [name, args, callId]);
    }
    if (!using.includes(DEVICE_CAPABILITY)) {
      return methodErrorResponse('unknownMethod', `${name} needs "${DEVICE_CAPABILITY}" in "using"`, callId);
    }
    if ('accountId' in args && args['accountId'] !== device.accountId) {
      return methodErrorResponse('accountNotFound', 'no such account for these credentials', callId);
    }
    try {
      switch (name) {
        case 'DevicePolicy/get':
          return [name, this.policyOf(device), callId];
        case 'DevicePolicy/acknowledge':
          return [name, await this.acknowledge(device, args), callId];
        case 'DeviceWipe/confirm':
          return [name, await this.confirmWipe(device, args), callId];
        default:
          return methodErrorResponse('unknownMethod', `unknown method ${name.slice(0, 100)}`, callId);
      }
    } catch (failure) {
      if (failure instanceof MethodError) return ['error', failure.toResponseArguments(), callId];
      if (failure instanceof RegistryUnavailableError) {
        this.log.warn({ method: name, reason: failure.message }, 'device-registry gave no answer');
        return methodErrorResponse(
          'serverUnavailable',
          'device management is unavailable right now; try again shortly',
          callId,
        );
      }
      throw failure;
    }
  }

  private policyOf(device: AuthenticatedDevice): Record<string, unknown> {
    const state = deviceStateOf(this.credentials.snapshotOf(device.accountId), device.deviceId);
    return {
      accountId: device.accountId,
      ...policyStanding(state),
      deviceStatus: state.pendingWipe ? 'wipePending' : state.access,
    };
  }

  private async acknowledge(
    device: AuthenticatedDevice,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const version = args['version'];
    const policyId = args['policyId'];
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
      throw new MethodError(
        'invalidArguments',
        '"version" must be the positive integer version being acknowledged',
      );
    if (policyId !== undefined && typeof policyId !== 'string')
      throw new MethodError('invalidArguments', '"policyId" must be a string');
    const answer = await this.registry.acknowledgePolicy({
      accountId: device.accountId,
      deviceId: device.deviceId,
      version,
      ...(policyId !== undefined ? { policyId } : {}),
    });
    if (!answer.ok) {
      const { refusal } = answer;
      if (refusal.error === 'policy_changed')
        throw new MethodError('stateMismatch', refusal.message, { current: refusal.body['current'] });
      throw new MethodError('invalidArguments', refusal.message);
    }
    // The next mail call, on this replica, must already see the acknowledgement.
    await this.credentials.waitForRevision(device.accountId, answer.value.revision, VIEW_WAIT_MS);
    return {
      accountId: device.accountId,
      policyId: answer.value.policyId,
      version: answer.value.version,
      acknowledged: true,
    };
  }

  private async confirmWipe(
    device: AuthenticatedDevice,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const wipeId = args['wipeId'];
    if (typeof wipeId !== 'string' || wipeId.length === 0 || wipeId.length > 64)
      throw new MethodError('invalidArguments', '"wipeId" must be the id of the wipe command received');
    const answer = await this.registry.confirmWipe({
      accountId: device.accountId,
      deviceId: device.deviceId,
      wipeId,
    });
    if (!answer.ok) throw new MethodError('invalidArguments', answer.refusal.message);
    return { accountId: device.accountId, wipeId, confirmedAt: answer.value.confirmedAt, confirmed: true };
  }
}
