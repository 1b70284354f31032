import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import { sha256Hex } from '@pushmail/edge';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CONFIG, LOGGER } from '@pushmail/platform';
import { clientAddressOf, DeviceAuthenticator } from '../auth/device-auth.service.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { revocationReason } from '../auth/revocation-reason.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { DeviceLastSeen } from '../auth/device-last-seen.js';
import type { PushConfig } from '../config/push-config.js';
import { connectionsOverCap, replacedReason } from '../device/connection-cap.js';
import { noticesFor } from '../device/device-messages.js';
import { mailRefusalOf } from '../device/device-state.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import { WEBSOCKET_PATH } from '../session/session.service.js';
import { DeviceTrail, deviceStateOf } from '@pushmail/edge';
import { ClientMessageHandler } from './client-message.handler.js';
import { closeRecord, protocolErrorCode } from './close-record.js';
import { ConnectionRegistry } from './connection-registry.js';
import { CloseCode, DeviceConnection } from './device-connection.js';
import { heartbeat, HeartbeatTurns } from './heartbeat.js';

export const JMAP_SUBPROTOCOL = 'jmap';

/** How long devices get to answer the restart close before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 3000;

/** A device losing access keeps its socket this long at most, for answers already running. */
const REVOCATION_GRACE_MS = 500;

/**
 * JMAP over WebSocket (RFC 8887) on Nest's own HTTP server: authenticates the upgrade, keeps the
 * per-account socket index, pings idle sockets, and disconnects devices whose access ends.
 */
@Injectable()
export class JmapSocketGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private readonly wss: WebSocketServer;
  private server: Server | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private accepting = true;

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(CONFIG) private readonly config: PushConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(DeviceAuthenticator) private readonly authenticator: DeviceAuthenticator,
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
    @Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry,
    @Inject(ClientMessageHandler) private readonly handler: ClientMessageHandler,
    @Inject(DeviceTrail) private readonly trail: DeviceTrail,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
  ) {
    this.log = logger.child({ component: 'socket' });
    this.wss = new WebSocketServer({
      noServer: true,
      // The connection registry already tracks every socket; a second set would cost memory per socket.
      clientTracking: false,
      maxPayload: config.WS_MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(JMAP_SUBPROTOCOL) ? JMAP_SUBPROTOCOL : false),
    });
    credentials.onAccountChanged((accountId, snapshot) => this.enforceAccess(accountId, snapshot));
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    const turns = new HeartbeatTurns(this.registry, this.config.WS_PING_INTERVAL_MS);
    this.heartbeatTimer = setInterval(() => this.pingTurn(turns.next()), turns.turnMs);
    this.heartbeatTimer.unref();
  }

  /** Runs before the HTTP server closes: devices are told to reconnect, to another replica. */
  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    clearInterval(this.heartbeatTimer);
    const open = [...this.registry.all()];
    for (const connection of open) connection.close(CloseCode.serviceRestart, 'service restart');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.registry.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    for (const connection of [...this.registry.all()]) {
      connection.socket.terminate();
      this.registry.remove(connection);
    }
    this.server?.off('upgrade', this.onUpgrade);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (open.length > 0) this.log.info({ sockets: open.length }, 'closed device sockets for shutdown');
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error during the handshake'));
    this.upgrade(request, socket, head).catch((error: unknown) => {
      // An exception here would surface in the HTTP server's event emitter and end the process.
      this.log.warn({ err: error }, 'refusing an upgrade that could not be handled');
      reject(socket, 400, 'malformed upgrade request');
    });
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== WEBSOCKET_PATH) return reject(socket, 404, 'no WebSocket endpoint here');
    if (!this.accepting) return reject(socket, 503, 'the service is restarting', { 'Retry-After': '1' });

    // A password sign-in may take a round trip to device-registry.
    const outcome = await this.authenticator.authenticate(request);
    if (!outcome.ok) {
      const refused = outcome.device ?? this.deviceOfToken(request.headers.authorization);
      if (refused) {
        this.trail.record(refused.accountId, {
          deviceId: refused.deviceId,
          kind: 'authFailed',
          auth: { status: outcome.status, reason: outcome.detail.slice(0, 300) },
          ...(clientAddressOf(request) ? { clientAddress: clientAddressOf(request) ?? '' } : {}),
        });
      }
      return reject(socket, outcome.status, outcome.detail, outcome.headers ?? {});
    }
    if (!offeredProtocols(request).has(JMAP_SUBPROTOCOL)) {
      return reject(socket, 400, `the "${JMAP_SUBPROTOCOL}" WebSocket subprotocol is required (RFC 8887)`);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(request, socket, head, (ws) =>
      this.accept(ws, outcome.device, clientAddressOf(request)),
    );
  }

  private accept(ws: WebSocket, device: AuthenticatedDevice, clientAddress: string | null): void {
    const connection = new DeviceConnection(ws, device, {
      maxBufferedBytes: this.config.WS_MAX_BUFFERED_BYTES,
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws fails the connection itself for a bad frame (too big, bad UTF-8) and then reports 1006:
      // remember it was this side's close, with the code it sent.
      if (error.code?.startsWith('WS_ERR_'))
        connection.protocolError ??= {
          code: protocolErrorCode(error.code),
          reason: `protocol error: ${error.message}`,
        };
      this.log.debug({ err: error, accountId: device.accountId }, 'device socket error');
    });
    ws.on('close', (code: number, reason: Buffer) => {
      connection.socketClosed();
      this.registry.remove(connection);
      this.recordClose(connection, code, reason.toString('utf8'));
    });
    connection.onPushSent = () =>
      this.trail.record(device.accountId, { deviceId: device.deviceId, kind: 'pushSent' });
    if (!this.accepting) return connection.close(CloseCode.serviceRestart, 'service restart');
    // Access may have ended while the handshake was under way.
    const reason = revocationReason(this.credentials.snapshotOf(device.accountId), device);
    if (reason) return connection.close(CloseCode.accessRevoked, reason);

    this.registry.add(connection);
    this.trail.record(device.accountId, {
      deviceId: device.deviceId,
      kind: 'connected',
      ...(clientAddress ? { clientAddress } : {}),
    });
    this.capConnections(device);
    this.lastSeen.touch(device.accountId, device.deviceId, new Date(), clientAddress ?? undefined);
    // Before any message is read: a pending wipe is the first thing the device hears.
    this.applyDeviceState(connection);
    ws.on('pong', () => {
      connection.alive = true;
      connection.touch();
      this.trail.record(device.accountId, { deviceId: device.deviceId, kind: 'pong' });
      this.lastSeen.touch(device.accountId, device.deviceId);
    });
    ws.on('message', (data) => {
      connection.alive = true;
      connection.touch();
      this.handler.handle(connection, textOf(data)).catch((error: unknown) => {
        this.log.error({ err: error, accountId: device.accountId }, 'handling a device message failed');
      });
    });
  }

  /** One socket more than a device may hold closes its oldest (see connection-cap.ts for why not the newest). */
  private capConnections(device: AuthenticatedDevice): void {
    const max = this.config.PUSH_MAX_CONNECTIONS_PER_DEVICE;
    const open = [...this.registry.ofAccount(device.accountId)].filter((connection) => connection.isOpen);
    for (const oldest of connectionsOverCap(open, device.deviceId, max)) {
      this.log.debug(
        { accountId: device.accountId, deviceId: device.deviceId, max },
        'closing the oldest socket of a device over its connection cap',
      );
      oldest.close(CloseCode.tooManyConnections, replacedReason(max));
      this.metrics.limited('websocketsPerDevice');
    }
  }

  private enforceAccess(accountId: string, snapshot: DeviceCredentialsV1 | undefined): void {
    for (const connection of [...this.registry.ofAccount(accountId)]) {
      const reason = revocationReason(snapshot, connection.device);
      if (!reason) {
        this.applyDeviceState(connection);
        continue;
      }
      this.log.info({ accountId, deviceId: connection.device.deviceId, reason }, 'disconnecting a device');
      connection.closeWhenAnswered(CloseCode.accessRevoked, reason, REVOCATION_GRACE_MS);
      this.metrics.deviceAction('disconnect');
    }
  }

  /**
   * Tells the device what changed about it (wipe command, quarantine, policy) and holds mail back
   * or releases it; a device released gets the current states so it fetches what it missed.
   */
  private applyDeviceState(connection: DeviceConnection): void {
    const state = deviceStateOf(
      this.credentials.snapshotOf(connection.accountId),
      connection.device.deviceId,
    );
    for (const notice of noticesFor(connection.notices, state)) {
      connection.send(notice.message);
      this.metrics.deviceAction(notice.kind);
    }
    const wasHeld = connection.mailHeld;
    connection.mailHeld = mailRefusalOf(state) !== undefined;
    if (wasHeld && !connection.mailHeld) {
      this.metrics.deviceAction('release');
      this.handler.resumeMail(connection).catch((error: unknown) => {
        this.log.warn(
          { err: error, accountId: connection.accountId },
          'catching a released device up failed',
        );
      });
    }
  }

  /** Which device a refused token belongs to, if any: a blocked device's attempts belong in its trail. */
  private deviceOfToken(
    authorization: string | undefined,
  ): { accountId: string; deviceId: string } | undefined {
    const token = /^Bearer +(\S{1,512}) *$/i.exec(authorization ?? '')?.[1];
    const credential = token ? this.credentials.lookup(sha256Hex(token)) : undefined;
    return credential ? { accountId: credential.accountId, deviceId: credential.deviceId } : undefined;
  }

  private recordClose(connection: DeviceConnection, code: number, reason: string): void {
    const { close, detail } = closeRecord({
      code,
      reason,
      closedByServer: connection.closedByServer,
      cutForMissedPong: connection.cutForMissedPong,
      protocolError: connection.protocolError,
      openedAt: connection.openedAt,
      lastActivityAt: connection.lastActivityAt,
      now: Date.now(),
      pingIntervalMs: this.config.WS_PING_INTERVAL_MS,
    });
    this.trail.record(connection.accountId, {
      deviceId: connection.device.deviceId,
      kind: 'disconnected',
      detail,
      close,
    });
  }

  private pingTurn(connections: readonly DeviceConnection[]): void {
    if (connections.length === 0) return;
    for (const connection of connections) {
      if (connection.alive && connection.isOpen)
        this.trail.record(connection.accountId, { deviceId: connection.device.deviceId, kind: 'ping' });
    }
    const { terminated } = heartbeat(this.registry, connections);
    if (terminated > 0) this.log.debug({ terminated }, 'cut sockets that missed a ping');
  }
}

function offeredProtocols(request: IncomingMessage): Set<string> {
  const header = request.headers['sec-websocket-protocol'];
  return new Set(
    (header ?? '')
      .split(',')
      .map((protocol) => protocol.trim())
      .filter((protocol) => protocol.length > 0),
  );
}

/** RFC 8887 asks for text frames; a binary frame holding UTF-8 JSON is read all the same. */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Answers a refused upgrade with a plain HTTP response, as the handshake is still HTTP. */
function reject(
  socket: Duplex,
  status: number,
  detail: string,
  headers: Record<string, string | string[]> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'about:blank', status, title: STATUS_CODES[status], detail });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((line) => `${name}: ${line}`),
    ),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
