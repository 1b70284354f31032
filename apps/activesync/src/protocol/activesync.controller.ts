import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Controller, Inject, Options, Res } from '@nestjs/common';
import {
  ActiveSyncRequestError,
  decodeWbxml,
  encodeWbxml,
  parseActiveSyncRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
  WbxmlError,
  type ActiveSyncRequest,
  type WbxmlElement,
} from '@pushmail/activesync';
import { parseBasic, RegistryUnavailableError } from '@pushmail/edge';
import { CONFIG, LOGGER, readBody, releaseRequestSignal } from '@pushmail/platform';
import type { Logger } from 'pino';
import { type DeviceDescription, EasAuthenticator } from '../auth/eas-authenticator.js';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { MailboxError } from '../mailbox/mailbox-client.js';
import { mailboxFailureReply } from './mailbox-failure.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { PingRegistry } from '../ping/ping-registry.js';
import { DeviceActivityReporter } from '../registry/device-activity.reporter.js';
import { DeviceViews } from '../registry/device-views.js';
import { DeviceStore } from '../state/device-store.js';
import { gateOf } from './device-gate.js';
import {
  EAS_COMMANDS,
  type EasCommand,
  type EasReply,
  type LaterAnswer,
  type SentReply,
} from './eas-command.js';
import { COMMAND_ROOTS, SUPPORTED_COMMANDS } from './eas-status.js';
import { refusalReply } from './refusal.js';

export const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';
const RETRY_SOON = { 'Retry-After': '5' };
const SERVER_VERSION = '16.1';

/**
 * `/Microsoft-Server-ActiveSync`: OPTIONS tells a phone what this server speaks; every command is a
 * POST with the command and device in the query and a WBXML body. Each one is authenticated
 * through device-registry, gated by the device's standing (wipe, block, policy), then run.
 */
@Controller()
export class ActiveSyncController {
  private readonly commands: Map<string, EasCommand>;
  private readonly log: Logger;

  constructor(
    @Inject(EAS_COMMANDS) commands: EasCommand[],
    @Inject(EasAuthenticator) private readonly authenticator: EasAuthenticator,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(ActiveSyncMetrics) private readonly metrics: ActiveSyncMetrics,
    @Inject(DeviceActivityReporter) private readonly activity: DeviceActivityReporter,
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.commands = new Map(commands.map((command) => [command.command, command]));
    this.log = logger.child({ component: 'activesync' });
  }

  @Options('Microsoft-Server-ActiveSync')
  options(@Res() response: ServerResponse): void {
    response.statusCode = 200;
    response.setHeader('Allow', 'OPTIONS,POST');
    response.setHeader('MS-Server-ActiveSync', SERVER_VERSION);
    response.setHeader('MS-ASProtocolVersions', SUPPORTED_PROTOCOL_VERSIONS.join(','));
    response.setHeader('MS-ASProtocolCommands', SUPPORTED_COMMANDS.join(','));
    response.setHeader('Public', 'OPTIONS,POST');
    response.setHeader('Cache-Control', 'private');
    response.setHeader('Content-Length', '0');
    response.end();
  }

  /**
   * Every command, a POST to the same path, served from Node's request and response ahead of
   * Express and Nest (`serveBeforeFramework`, `isActiveSyncCommand`): a parked Ping keeps only the
   * frame that answers it, not the framework's per-request state, for as long as it waits.
   */
  post(request: IncomingMessage, response: ServerResponse): void {
    void this.serve(request, response);
  }

  /**
   * Answers the command; never rejects. Failures are caught with `try` rather than `.catch`: each
   * `.catch` is one more promise and reaction. A command that waits (a parked Ping) answers
   * `{ later: true }` and then through `answer` itself: this frame ends at once, and the request's
   * signal is let go (nothing of the request runs while it waits), so that a parked Ping holds no
   * promise, frame or `AbortController` of the command's path.
   */
  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const answer = new CommandAnswer(this, response);
    let reply: EasReply;
    try {
      reply = await this.handle(request, answer);
    } catch (error) {
      reply = this.failure(error, answer.command);
    }
    if ('later' in reply) {
      releaseRequestSignal();
      return;
    }
    this.answer(answer, reply);
  }

  /** Sends a command's answer and counts it: now, or once a command that waited is done. */
  answer(answer: CommandAnswer, reply: SentReply): void {
    const { response, command } = answer;
    try {
      this.send(response, reply);
    } catch (error) {
      this.log.error({ err: error, command }, 'an ActiveSync answer could not be sent');
      if (response.headersSent) response.destroy();
      else
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('the answer failed\n');
      return;
    }
    this.metrics.commandAnswered(
      command,
      'body' in reply
        ? statusOfBody(reply.body)
        : 'empty' in reply || 'stream' in reply
          ? 'ok'
          : `http_${reply.http}`,
      performance.now() - answer.startedAt,
    );
  }

  private async handle(request: IncomingMessage, answer: CommandAnswer): Promise<EasReply> {
    let eas: ActiveSyncRequest;
    try {
      eas = parseActiveSyncRequest(request.url ?? '/', request.headers);
    } catch (error) {
      if (error instanceof ActiveSyncRequestError) return { http: 400, detail: error.message };
      throw error;
    }
    answer.command = eas.cmd;
    const handler = this.commands.get(eas.cmd);
    const root = COMMAND_ROOTS[eas.cmd];
    if (!handler) return { http: 501, detail: `${eas.cmd} is not supported by this server` };

    const description = await this.describe(request, eas);
    const outcome = await this.authenticator.authenticate(request.headers.authorization, description);
    if (!outcome.ok) {
      // The body is never read for a refused request; drain it so the answer reaches the client.
      request.resume();
      if ('http' in outcome)
        return {
          http: outcome.http,
          detail: outcome.detail,
          ...(outcome.headers ? { headers: outcome.headers } : {}),
        };
      return this.refusal(eas, outcome.status, outcome.detail);
    }

    const bytes = await readBody(request, this.config.ACTIVESYNC_MAX_REQUEST_BYTES);
    if (!bytes) {
      answer.response.setHeader('Connection', 'close');
      return { http: 413, detail: `requests are at most ${this.config.ACTIVESYNC_MAX_REQUEST_BYTES} bytes` };
    }
    let body: WbxmlElement | undefined;
    if (bytes.length > 0) {
      try {
        body = decodeWbxml(bytes);
      } catch (error) {
        if (error instanceof WbxmlError) return { http: 400, detail: `malformed WBXML: ${error.message}` };
        throw error;
      }
      if (!root) return { http: 400, detail: `a ${eas.cmd} request carries no body` };
      if (body.page !== root.page || body.tag !== root.tag) {
        return { http: 400, detail: `a ${eas.cmd} request must be a ${root.page}:${root.tag} document` };
      }
    }

    const contact = {
      accountId: outcome.device.accountId,
      deviceId: eas.deviceId,
      deviceType: eas.deviceType,
      userAgent: description.userAgent,
      protocolVersion: eas.protocolVersion,
      command: eas.cmd,
    };
    // A command that reads the device's hierarchy first has it read with the contact, in one statement.
    const { device: record, hierarchy } = handler.readsHierarchy
      ? await this.devices.touchWithHierarchy(contact)
      : { device: await this.devices.touch(contact), hierarchy: undefined };
    this.activity.seen({
      accountId: outcome.device.accountId,
      deviceId: eas.deviceId,
      seenAt: new Date(),
      clientAddress: description.clientAddress,
      protocolVersion: eas.protocolVersion,
      command: eas.cmd,
    });
    const standing = this.views.standingOf(outcome.device.accountId, eas.deviceId);
    const verdict = gateOf(eas.cmd, standing, record, eas.policyKey, eas.protocolVersion);
    if (!verdict.ok) return this.refusal(eas, verdict.status, verdict.reason);

    // Made on first use: most commands never log, and a pino child with bindings costs about a
    // kilobyte, held for as long as a parked Ping waits.
    const parent = this.log;
    let log: Logger | undefined;
    return handler.execute({
      request: eas,
      protocolVersion: eas.protocolVersion,
      device: outcome.device,
      description,
      record,
      standing,
      body,
      answer,
      ...(hierarchy === undefined ? {} : { hierarchy }),
      get log() {
        return (log ??= parent.child({ command: eas.cmd, deviceId: eas.deviceId }));
      },
    });
  }

  /** The device as its request describes it, with the model and OS it told in Settings. */
  private async describe(request: IncomingMessage, eas: ActiveSyncRequest): Promise<DeviceDescription> {
    const userAgent = headerText(request.headers['user-agent'], 512);
    const address = parseBasic(request.headers.authorization, { domainPrefix: true })?.address;
    const known = address
      ? await this.devices.describedAs(
          eas.deviceId,
          (accountId) => this.views.addressOf(accountId) === address,
        )
      : null;
    return {
      deviceId: eas.deviceId,
      deviceType: eas.deviceType.slice(0, 64),
      model: known?.model ?? null,
      os: known?.os ?? null,
      userAgent,
      clientAddress: request.socket.remoteAddress?.replace(/^::ffff:/, '').slice(0, 64) ?? null,
    };
  }

  private refusal(eas: ActiveSyncRequest, status: number, detail: string): EasReply {
    return refusalReply(eas.cmd, eas.protocolVersion, status, detail);
  }

  failure(error: unknown, command: string): SentReply {
    const transient = mailboxFailureReply(error);
    if (transient) {
      if (error instanceof MailboxError && (error.connectionLost || error.timedOut))
        this.log.warn({ command, reason: error.message }, 'mailbox did not answer');
      return transient;
    }
    if (error instanceof RegistryUnavailableError) {
      this.log.warn({ command, reason: error.message }, 'device-registry did not answer');
      return {
        http: 503,
        detail: 'sign-in and device records are unavailable; retry shortly',
        headers: RETRY_SOON,
      };
    }
    this.log.error({ err: error, command }, 'an ActiveSync command failed');
    return { http: 500, detail: 'the command failed on the server; retry later' };
  }

  private send(response: ServerResponse, reply: SentReply): void {
    if (response.writableEnded || response.destroyed) return;
    // A kept-alive socket would hold the closing server open until the phone lets go of it.
    if (this.pings.closing) response.setHeader('Connection', 'close');
    response.setHeader('MS-Server-ActiveSync', SERVER_VERSION);
    response.setHeader('Cache-Control', 'private');
    if ('body' in reply) {
      const bytes = reply.encoded ?? encodeWbxml(reply.body);
      response.statusCode = 200;
      response.setHeader('Content-Type', WBXML_TYPE);
      response.setHeader('Content-Length', bytes.length);
      response.end(bytes);
      return;
    }
    if ('stream' in reply) {
      response.statusCode = 200;
      response.setHeader('Content-Type', reply.contentType);
      if (reply.length !== undefined) response.setHeader('Content-Length', reply.length);
      // A download that fails midway cuts the connection: the phone sees a short body, never a wrong one.
      Readable.fromWeb(reply.stream as NodeReadableStream<Uint8Array>)
        .on('error', (error) => {
          this.log.warn({ reason: error.message }, 'an attachment download broke off');
          response.destroy();
        })
        .pipe(response);
      return;
    }
    if ('empty' in reply) {
      response.statusCode = 200;
      response.setHeader('Content-Length', '0');
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
    const text = Buffer.from(`${reply.detail}\n`, 'utf8');
    response.statusCode = reply.http;
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.setHeader('Content-Length', text.length);
    response.end(text);
  }
}

/**
 * One command's answer: the response, the command's name once known and when it began (for the
 * metrics). A command that waits keeps it and answers through it (`LaterAnswer`).
 */
class CommandAnswer implements LaterAnswer {
  readonly startedAt = performance.now();
  command = 'unknown';

  constructor(
    private readonly controller: ActiveSyncController,
    readonly response: ServerResponse,
  ) {}

  get connection(): ServerResponse {
    return this.response;
  }

  send(reply: SentReply): void {
    this.controller.answer(this, reply);
  }

  fail(error: unknown): void {
    this.controller.answer(this, this.controller.failure(error, this.command));
  }
}

const COMMAND_PATH = '/microsoft-server-activesync';

/**
 * Whether a request is an ActiveSync command: a POST to the path, matched as Express matched the
 * route before (any case, an optional trailing slash, the query aside, an absolute URL's path).
 */
export function isActiveSyncCommand(request: IncomingMessage): boolean {
  if (request.method !== 'POST') return false;
  let path = (request.url ?? '').split('?', 1)[0] ?? '';
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return false;
    }
  }
  path = path.toLowerCase();
  return path === COMMAND_PATH || path === `${COMMAND_PATH}/`;
}

function headerText(value: string | string[] | undefined, max: number): string | null {
  const single = Array.isArray(value) ? value[0] : value;
  const trimmed = single?.trim();
  return trimmed ? trimmed.slice(0, max) : null;
}

/** The top Status of an answer, for the metrics: `ok` without one. */
function statusOfBody(body: WbxmlElement): string {
  for (const node of body.children) {
    if (typeof node === 'object' && !(node instanceof Uint8Array) && node.tag === 'Status') {
      const text = node.children.find((part) => typeof part === 'string');
      return typeof text === 'string' ? text.slice(0, 4) : 'ok';
    }
  }
  return 'ok';
}
