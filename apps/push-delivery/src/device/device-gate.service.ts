import { Inject, Injectable } from '@nestjs/common';
import {
  DEVICE_CAPABILITY,
  type Invocation,
  type JmapRequest,
  resolveResultReferences,
} from '@pushmail/jmap';
import type { MailboxResponse } from '../api/mailbox-client.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { DeviceMethods, isDeviceMethod } from './device-methods.js';
import { deviceStateOf, mailRefusalOf } from './device-state.js';

export type ForwardToMailbox = (request: JmapRequest) => Promise<MailboxResponse>;

/**
 * Stands between a device's JMAP request and mailbox: device methods run here, and mail calls are
 * refused with a clear method error while the device is quarantined, owes a policy
 * acknowledgement, or has a wipe to carry out. Calls run in order; consecutive mail calls go to
 * mailbox together, so result references among them still work.
 */
@Injectable()
export class DeviceGate {
  constructor(
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(DeviceMethods) private readonly methods: DeviceMethods,
  ) {}

  async run(
    device: AuthenticatedDevice,
    request: JmapRequest,
    forward: ForwardToMailbox,
  ): Promise<MailboxResponse> {
    const mailUsing = request.using.filter((capability) => capability !== DEVICE_CAPABILITY);
    const hasDeviceCalls = request.methodCalls.some(([name]) => isDeviceMethod(name));
    if (!hasDeviceCalls && this.refusal(device) === undefined) {
      return forward(mailUsing.length === request.using.length ? request : { ...request, using: mailUsing });
    }

    const responses: Invocation[] = [];
    let createdIds = request.createdIds;
    let sessionState: string | undefined;
    let run: Invocation[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const calls = run;
      run = [];
      // Asked again for each run: an acknowledgement earlier in this request may have lifted it.
      const refusal = this.refusal(device);
      if (refusal) {
        for (const [name, args, callId] of calls) {
          responses.push(name === 'Core/echo' ? [name, args, callId] : ['error', refusal, callId]);
        }
        return;
      }
      const answer = await forward({
        using: mailUsing,
        methodCalls: calls,
        ...(createdIds ? { createdIds } : {}),
      });
      responses.push(...answer.methodResponses);
      createdIds = answer.createdIds ?? createdIds;
      sessionState = answer.sessionState;
    };
    for (const call of request.methodCalls) {
      if (!isDeviceMethod(call[0])) {
        run.push(call);
        continue;
      }
      await flush();
      let resolved: Invocation;
      try {
        resolved = [call[0], resolveResultReferences(call[1], responses), call[2]];
      } catch {
        responses.push([
          'error',
          { type: 'invalidResultReference', description: 'a result reference could not be resolved' },
          call[2],
        ]);
        continue;
      }
      responses.push(await this.methods.call(device, request.using, resolved));
    }
    await flush();
    return {
      methodResponses: responses,
      sessionState: sessionState ?? '',
      ...(createdIds ? { createdIds } : {}),
    };
  }

  private refusal(device: AuthenticatedDevice) {
    return mailRefusalOf(deviceStateOf(this.credentials.snapshotOf(device.accountId), device.deviceId));
  }
}
