import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  DEFAULT_CORE_LIMITS,
  parseClientMessage,
  requestError,
  requestErrorMessage,
  responseMessage,
  stateChangeMessage,
  type JmapRequest,
  type JmapResponse,
} from '@pushmail/jmap';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, runWithRequestSignal } from '@pushmail/platform';
import { DeviceRateLimiter } from '../api/device-rate-limiter.js';
import { JmapExecutor, MAILBOX_API } from '../api/jmap-executor.service.js';
import type { AccountPushState, MailboxApi } from '../api/mailbox-client.js';
import { DeviceLastSeen } from '../auth/device-last-seen.js';
import type { PushConfig } from '../config/push-config.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import { requestTrail, sendsTrail, withSends } from '../trail/request-trail.js';
import { DeviceTrail } from '@pushmail/edge';
import { CloseCode, type DeviceConnection } from './device-connection.js';

/**
 * Answers what a device sends over its JMAP WebSocket (RFC 8887 §4.3). A bad message gets a
 * RequestError and the socket stays open: one broken message must not cost the device its push.
 */
@Injectable()
export class ClientMessageHandler {
  private readonly log: Logger;
  /** Each WebSocketPushEnable with a pushState reads mailbox: a device may not make that cost at will. */
  private readonly pushEnables: DeviceRateLimiter;

  constructor(
    @Inject(JmapExecutor) private readonly executor: JmapExecutor,
    @Inject(MAILBOX_API) private readonly mailbox: MailboxApi,
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(DeviceTrail) private readonly trail?: DeviceTrail,
    @Optional() @Inject(CONFIG) config?: PushConfig,
  ) {
    this.log = logger.child({ component: 'socket' });
    this.pushEnables = new DeviceRateLimiter(
      (config?.PUSH_ENABLE_RATE_PER_MINUTE ?? 30) / 60,
      config?.PUSH_ENABLE_BURST ?? 10,
    );
  }

  async handle(connection: DeviceConnection, text: string): Promise<void> {
    // The socket is closing (access revoked): answers already running go out, nothing new starts.
    if (!connection.isAccepting) return;
    this.lastSeen.touch(connection.device.accountId, connection.device.deviceId);
    const parsed = parseClientMessage(text, DEFAULT_CORE_LIMITS);
    if (!parsed.ok) {
      this.executor.received('websocket');
      connection.send(requestErrorMessage(parsed.id, parsed.problem));
      return;
    }
    const message = parsed.message;
    switch (message.kind) {
      case 'request':
        this.executor.received('websocket');
        return this.request(connection, message.id, message.request);
      case 'pushEnable': {
        const waitMs = this.pushEnables.take(`${connection.accountId}/${connection.deviceId}`);
        if (waitMs > 0) return this.refusePushEnable(connection, waitMs);
        return this.enablePush(connection, message.dataTypes, message.pushState);
      }
      case 'pushDisable':
        connection.disablePush();
        return;
    }
  }

  private async request(
    connection: DeviceConnection,
    id: string | undefined,
    request: JmapRequest,
  ): Promise<void> {
    connection.requestStarted();
    const startedAt = performance.now();
    try {
      // The socket's signal: when it closes, the call to mailbox is cancelled (and with it the
      // statement mailbox runs for it), and the request's budget is given back at once.
      const result = await runWithRequestSignal(connection.signal, () =>
        this.executor.execute(connection.device, request),
      );
      // Nobody is left to read the answer, and a closed socket must not be written to.
      if (connection.signal.aborted) return;
      connection.send(
        result.ok ? responseFrame(id, result.response) : requestErrorMessage(id, result.problem),
      );
      this.trail?.record(connection.accountId, {
        deviceId: connection.device.deviceId,
        kind: 'request',
        request: requestTrail(request.methodCalls, result, performance.now() - startedAt),
        ...withSends(sendsTrail(request.methodCalls, result)),
      });
    } finally {
      connection.requestFinished();
    }
  }

  /**
   * RFC 8887 gives WebSocketPushEnable no response and no id, so a refusal is a RequestError
   * without a requestId (§4.3.4), of the JMAP type for a limit (RFC 8620 §3.6.1). A device that
   * already had push on this socket keeps it as it was. One that had none would sit on a socket
   * that never pushes (clients ignore a RequestError nobody asked for), so its socket is closed with
   * 1013 Try Again Later, which clients answer by reconnecting later, when a push enable is let through.
   */
  private refusePushEnable(connection: DeviceConnection, waitMs: number): void {
    this.metrics.limited('pushEnable');
    connection.send(
      requestErrorMessage(undefined, {
        ...requestError(
          'limit',
          `too many WebSocketPushEnable messages from this device: at most ${this.pushEnables.describePerMinute()}; retry in ${waitMs} ms`,
          'pushEnable',
        ),
        status: 429,
        retryAfterMs: waitMs,
      }),
    );
    if (!connection.push)
      connection.close(
        CloseCode.tryAgainLater,
        `too many push enables from this device; reconnect in ${Math.ceil(waitMs / 1000)} s`,
      );
  }

  /**
   * The device may have mail again (allowed out of quarantine, policy acknowledged): tell it the
   * current states, so it fetches whatever arrived while it was held back.
   */
  async resumeMail(connection: DeviceConnection): Promise<void> {
    if (!connection.push || !connection.isOpen) return;
    connection.beginCatchUp();
    const current = await this.readStateOrClose(
      connection,
      () => this.mailbox.accountState(connection.accountId),
      'could not read the push state after releasing mail',
    );
    if (!current) return;
    this.endCatchUp(connection, connection.push?.filter(current.changed) ?? {}, current.state);
  }

  /**
   * Push takes effect at once so no change slips by while the device is caught up; a device that
   * says which push state it has seen gets the current states first if anything moved since.
   */
  private async enablePush(
    connection: DeviceConnection,
    dataTypes: string[] | null,
    pushState?: string,
  ): Promise<void> {
    connection.enablePush(dataTypes);
    // A device held back from mail is caught up when it is released, not now.
    if (pushState === undefined || connection.mailHeld) return;
    connection.beginCatchUp();
    const current = await this.readStateOrClose(
      connection,
      () => runWithRequestSignal(connection.signal, () => this.mailbox.accountState(connection.accountId)),
      'could not read the push state to catch a device up',
    );
    if (!current || connection.signal.aborted) return;
    const push = current.state !== pushState ? connection.push : undefined;
    this.endCatchUp(connection, push?.filter(current.changed) ?? {}, current.state);
  }

  /**
   * The account's current push state for a catch-up, or undefined when it could not be read. Without
   * it the device cannot be caught up; closing makes it reconnect and ask again rather than wait for
   * changes it already missed.
   */
  private async readStateOrClose(
    connection: DeviceConnection,
    read: () => Promise<AccountPushState>,
    failure: string,
  ): Promise<AccountPushState | undefined> {
    try {
      return await read();
    } catch (error) {
      this.log.warn({ err: error, accountId: connection.accountId }, failure);
      connection.close(CloseCode.tryAgainLater, 'mail store unavailable; reconnect to catch up');
      return undefined;
    }
  }

  /** Ends a catch-up: a StateChange first when some of the types the device follows changed. */
  private endCatchUp(connection: DeviceConnection, changed: Record<string, string>, state: string): void {
    const catchUp =
      Object.keys(changed).length > 0 ? stateChangeMessage(connection.accountId, changed, state) : undefined;
    connection.endCatchUp(catchUp);
    if (catchUp !== undefined) this.metrics.stateChangesSent.inc();
  }
}

function responseFrame(requestId: string | undefined, response: JmapResponse): string {
  if (!response.createdIds)
    return responseMessage(requestId, response.methodResponses, response.sessionState);
  return JSON.stringify({
    '@type': 'Response',
    ...(requestId !== undefined ? { requestId } : {}),
    methodResponses: response.methodResponses,
    createdIds: response.createdIds,
    sessionState: response.sessionState,
  });
}
