import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Headers, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Logger } from 'pino';
import { LIMIT_ERROR } from '@pushmail/jmap';
import { CONFIG, LOGGER, ProblemException } from '@pushmail/platform';
import { MAILBOX_API } from '../api/jmap-executor.service.js';
import type { MailboxApi } from '../api/mailbox-client.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import type { PushConfig } from '../config/push-config.js';
import { connectionsOverCap, replacedReason } from '../device/connection-cap.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import { EventStream } from './event-stream.js';
import { EventSourceRegistry } from './eventsource-registry.js';
import { parseEventSourceOptions } from './eventsource-options.js';

/**
 * Push over Server-Sent Events (RFC 8620 §7.3) for clients that cannot hold a WebSocket. A client
 * reconnecting with Last-Event-ID (the push state it saw last) is sent at once what changed since.
 */
@Controller('jmap/eventsource')
@UseGuards(DeviceAuthGuard)
export class EventSourceController {
  private readonly log: Logger;

  constructor(
    @Inject(EventSourceRegistry) private readonly registry: EventSourceRegistry,
    @Inject(MAILBOX_API) private readonly mailbox: MailboxApi,
    @Inject(LOGGER) logger: Logger,
    @Inject(CONFIG) private readonly config: PushConfig,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
  ) {
    this.log = logger.child({ component: 'eventsource' });
  }

  /** One stream more than a device may hold ends its oldest (see connection-cap.ts for why not the newest). */
  private capStreams(device: AuthenticatedDevice): void {
    const max = this.config.PUSH_MAX_CONNECTIONS_PER_DEVICE;
    const open = [...this.registry.ofAccount(device.accountId)].filter((stream) => !stream.isClosed);
    for (const oldest of connectionsOverCap(open, device.deviceId, max)) {
      oldest.end({ type: LIMIT_ERROR, detail: replacedReason(max) });
      this.metrics.limited('eventStreamsPerDevice');
    }
  }

  @Get()
  async open(
    @CurrentDevice() device: AuthenticatedDevice,
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const parsed = parseEventSourceOptions(query);
    if (!parsed.ok) {
      throw new ProblemException({
        type: 'about:blank',
        status: 400,
        title: 'Bad Request',
        detail: parsed.detail,
      });
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies that buffer responses would hold events back.
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    request.socket.setKeepAlive(true);
    request.socket.setNoDelay(true);
    request.socket.setTimeout(0);

    const stream = new EventStream(device.accountId, device.deviceId, response, parsed.options, (closed) =>
      this.registry.remove(closed),
    );
    response.on('close', () => stream.close());
    this.registry.add(stream);
    this.capStreams(device);
    if (lastEventId === undefined || lastEventId.length === 0) return;

    stream.beginCatchUp();
    try {
      const current = await this.mailbox.accountState(device.accountId, lastEventId.slice(0, 64));
      const changed = Object.fromEntries(
        Object.entries(current.changed).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      stream.endCatchUp(
        current.state !== lastEventId && Object.keys(changed).length > 0 ? changed : undefined,
        current.state,
      );
    } catch (error) {
      // Without the current state the client cannot be caught up; it reconnects and asks again.
      this.log.warn(
        { err: error, accountId: device.accountId },
        'could not read the push state to catch a client up',
      );
      stream.close();
    }
  }
}
