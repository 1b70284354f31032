import { Inject, Injectable } from '@nestjs/common';
import {
  BudgetExceeded,
  DEVICE_CAPABILITY,
  type Invocation,
  isReadOnlyMethod,
  type JmapRequest,
  LIMIT_ERROR,
  methodErrorResponse,
  RequestBudget,
  RequestProblem,
  resolveResultReferences,
} from '@pushmail/jmap';
import { MailboxRefusedRequest, type MailboxResponse } from '../api/mailbox-client.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { DeviceMethods, isDeviceMethod } from './device-methods.js';
import { deviceStateOf } from '@pushmail/edge';
import { mailRefusalOf } from './device-state.js';

export type ForwardToMailbox = (request: JmapRequest) => Promise<MailboxResponse>;

/**
 * Stands between a device's JMAP request and mailbox: device methods run here, and mail calls are
 * refused with a clear method error while the device is quarantined, owes a policy
 * acknowledgement, or has a wipe to carry out. Calls run in order; consecutive mail calls go to
 * mailbox together, so result references among them still work.
 *
 * mailbox counts each run against the request budget (docs/adr/0051); the runs of one request
 * together are counted here, with the same rule: past the budget, the whole request answers
 * `limit` while nothing was written, and `requestTooLarge` for the rest once something was.
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
    const budget = new RequestBudget();
    let written = false;
    let exceeded: BudgetExceeded | undefined;
    /** Adds answers in order, counting them; past the budget the rest answer requestTooLarge. */
    const answer = (invocation: Invocation): void => {
      if (exceeded) {
        responses.push(methodErrorResponse('requestTooLarge', exceeded.message, invocation[2]));
        return;
      }
      try {
        budget.chargeResponse(invocation[1]);
        responses.push(invocation);
      } catch (error) {
        if (!(error instanceof BudgetExceeded)) throw error;
        if (!written) throw new RequestProblem(error.toProblem());
        exceeded = error;
        responses.push(methodErrorResponse('requestTooLarge', error.message, invocation[2]));
      }
    };
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
          answer(name === 'Core/echo' ? [name, args, callId] : ['error', refusal, callId]);
        }
        return;
      }
      let answered: MailboxResponse;
      try {
        answered = await forward({
          using: mailUsing,
          methodCalls: calls,
          ...(createdIds ? { createdIds } : {}),
        });
      } catch (error) {
        // mailbox refused this run as over budget; what ran before it here must still be answered.
        if (!(error instanceof MailboxRefusedRequest) || error.problem.type !== LIMIT_ERROR || !written) {
          throw error;
        }
        exceeded = new BudgetExceeded(
          error.problem.limit === 'maxSizeReferences' ? 'maxSizeReferences' : 'maxSizeResponse',
          budget.limits[
            error.problem.limit === 'maxSizeReferences' ? 'maxSizeReferences' : 'maxSizeResponse'
          ],
        );
        for (const call of calls) answer(call);
        return;
      }
      if (calls.some(([name]) => !isReadOnlyMethod(name))) written = true;
      for (const invocation of answered.methodResponses) answer(invocation);
      createdIds = answered.createdIds ?? createdIds;
      sessionState = answered.sessionState;
    };
    for (const call of request.methodCalls) {
      if (!isDeviceMethod(call[0])) {
        run.push(call);
        continue;
      }
      await flush();
      if (exceeded) {
        answer(call);
        continue;
      }
      let resolved: Invocation;
      try {
        resolved = [call[0], resolveResultReferences(call[1], responses, budget), call[2]];
      } catch (error) {
        if (error instanceof BudgetExceeded) {
          if (!written) throw new RequestProblem(error.toProblem());
          exceeded = error;
          answer(call);
          continue;
        }
        answer(
          methodErrorResponse('invalidResultReference', 'a result reference could not be resolved', call[2]),
        );
        continue;
      }
      if (!isReadOnlyMethod(call[0])) written = true;
      answer(await this.methods.call(device, request.using, resolved));
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
