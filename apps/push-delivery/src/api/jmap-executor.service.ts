import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  DEFAULT_CORE_LIMITS,
  methodErrorResponse,
  requestError,
  RequestProblem,
  type JmapRequest,
  type JmapResponse,
  type ProblemDetails,
} from '@pushmail/jmap';
import { CONFIG, currentRequestSignal, LOGGER } from '@pushmail/platform';
import { AccountDirectory } from '../auth/account-directory.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import type { PushConfig } from '../config/push-config.js';
import { DeviceGate } from '../device/device-gate.service.js';
import { PushMetrics, type JmapTransport } from '../metrics/push-metrics.js';
import { SessionService } from '../session/session.service.js';
import { DeviceRateLimiter } from './device-rate-limiter.js';
import { MailboxClient, MailboxError, MailboxRefusedRequest, type MailboxApi } from './mailbox-client.js';

export type ExecuteResult = { ok: true; response: JmapResponse } | { ok: false; problem: ProblemDetails };

export const MAILBOX_API = Symbol('MAILBOX_API');

/**
 * Runs a device's validated JMAP request on mailbox, over either transport. mailbox runs the
 * methods; this side enforces maxConcurrentRequests per device, answers every call with an error
 * when mailbox cannot be reached, and reports the session state of the session resource it serves.
 */
@Injectable()
export class JmapExecutor {
  private readonly inFlight = new Map<string, number>();
  private readonly log: Logger;
  private readonly rateLimiter: DeviceRateLimiter;

  constructor(
    @Inject(MAILBOX_API) private readonly mailbox: MailboxApi,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
    @Inject(LOGGER) logger: Logger,
    /** Device management: runs device methods and holds mail back from devices that may not have it. */
    @Optional() @Inject(DeviceGate) private readonly deviceGate?: DeviceGate,
    /** The account's address, which mailbox needs for Identity/get. */
    @Optional() @Inject(AccountDirectory) private readonly accounts?: AccountDirectory,
    @Optional() @Inject(CONFIG) config?: PushConfig,
  ) {
    this.log = logger.child({ component: 'jmap' });
    this.rateLimiter = new DeviceRateLimiter(
      config?.DEVICE_RATE_LIMIT_PER_SECOND ?? 50,
      config?.DEVICE_RATE_LIMIT_BURST ?? 100,
    );
  }

  /** Counts a request as received, valid or not. */
  received(transport: JmapTransport): void {
    this.metrics.jmapRequests.inc({ transport });
  }

  async execute(device: AuthenticatedDevice, request: JmapRequest): Promise<ExecuteResult> {
    const key = `${device.accountId}/${device.deviceId}`;
    const waitMs = this.rateLimiter.take(key);
    if (waitMs > 0) {
      return {
        ok: false,
        problem: {
          ...requestError(
            'limit',
            `too many requests from this device: at most ${this.rateLimiter.describe()}; retry in ${waitMs} ms`,
            'requestRate',
          ),
          status: 429,
          retryAfterMs: waitMs,
        },
      };
    }
    const running = this.inFlight.get(key) ?? 0;
    if (running >= DEFAULT_CORE_LIMITS.maxConcurrentRequests) {
      return {
        ok: false,
        problem: requestError(
          'limit',
          `${running} requests of this device are still running; maxConcurrentRequests is ${DEFAULT_CORE_LIMITS.maxConcurrentRequests}`,
          'maxConcurrentRequests',
        ),
      };
    }
    this.inFlight.set(key, running + 1);
    this.metrics.jmapRequestsInFlight.inc();
    try {
      const sessionState = await this.sessions.stateOf(device);
      try {
        const address = this.accounts?.addressOf(device.accountId);
        const caller = address ? { address } : {};
        const answer = this.deviceGate
          ? await this.deviceGate.run(device, request, (forward) =>
              this.mailbox.execute(device.accountId, forward, caller),
            )
          : await this.mailbox.execute(device.accountId, request, caller);
        return {
          ok: true,
          response: {
            methodResponses: answer.methodResponses,
            sessionState,
            ...(answer.createdIds ? { createdIds: answer.createdIds } : {}),
          },
        };
      } catch (error) {
        if (error instanceof MailboxRefusedRequest || error instanceof RequestProblem) {
          return { ok: false, problem: error.problem };
        }
        const mailboxError =
          error instanceof MailboxError ? error : new MailboxError('failed', String(error));
        // The device left (its socket closed, its HTTP request ended): an expected end, not a fault.
        const deviceLeft = currentRequestSignal()?.aborted === true;
        this.log[deviceLeft ? 'debug' : 'warn'](
          { accountId: device.accountId, kind: mailboxError.kind, reason: mailboxError.message },
          'mailbox gave no answer',
        );
        const type = mailboxError.kind === 'unavailable' ? 'serverUnavailable' : 'serverFail';
        const description =
          type === 'serverUnavailable'
            ? 'the mail store is unavailable; try again shortly'
            : 'the mail store did not complete this call; its effect is unknown';
        return {
          ok: true,
          response: {
            methodResponses: request.methodCalls.map(([, , callId]) =>
              methodErrorResponse(type, description, callId),
            ),
            sessionState,
          },
        };
      }
    } finally {
      this.metrics.jmapRequestsInFlight.dec();
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    }
  }
}

export const mailboxApiProvider = { provide: MAILBOX_API, useExisting: MailboxClient };
