import { WEBSOCKET_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import JamClient from 'jmap-jam';
import {
  DeviceClient,
  expectEventually,
  mailboxIdsByRole,
  RegistryClient,
  type RunningPlatform,
} from '@pushmail/testing';
import { startedPerSuite, startSuitePlatform } from './support/e2e-platform.js';

export interface JmapDevice {
  token: string;
  deviceId: string;
  jam: JamClient;
}

export interface JmapAccount {
  accountId: string;
  address: string;
  devices: JmapDevice[];
}

/** An account with `deviceCount` registered devices, each with a JMAP client that has its session. */
export async function accountWithDevices(
  platform: RunningPlatform,
  deviceCount: number,
): Promise<JmapAccount> {
  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const address = `user-${randomUUID().slice(0, 8)}@${platform.mailDomains[0]}`;
  const password = `pw-${randomUUID()}`;
  const { accountId } = await registry.createAccount(address, password);
  const devices: JmapDevice[] = [];
  for (let index = 0; index < deviceCount; index += 1) {
    const deviceId = `device-${index}-${randomUUID().slice(0, 6)}`;
    const { token } = await registry.registerDevice(address, password, { deviceId });
    // The edge learns of a new token through the credentials topic a moment later; the client
    // library fetches its session once, so wait until the session answers.
    // On a loaded 2-core machine that moment has taken over the 10 s default: give it 30 s.
    await expectEventually(
      async () => {
        const response = await fetch(platform.sessionUrl, { headers: { authorization: `Bearer ${token}` } });
        if (response.status !== 200) throw new Error(`session answered ${response.status}`);
      },
      { timeoutMs: 30_000 },
    );
    devices.push({
      token,
      deviceId,
      jam: new JamClient({ sessionUrl: platform.sessionUrl, bearerToken: token }),
    });
  }
  return { accountId, address, devices };
}

/** A JMAP method's arguments or response. */
export type JmapArgs = Record<string, unknown>;

/** One method call through the client library; a method error is thrown as the client throws it. */
export async function callJmap(
  device: JmapDevice,
  method: string,
  args: JmapArgs,
  using: string[] = [],
): Promise<JmapArgs> {
  const [data] = await device.jam.request([method as 'Core/echo', args as never], { using });
  return data as JmapArgs;
}

/** What a JMAP suite runs against, once `startJmapSuite` has answered. */
export interface JmapSuite {
  platform: RunningPlatform;
  account: JmapAccount;
  /** The account's first device. */
  device: JmapDevice;
  /** The account's mailbox ids by role. */
  roles: Record<string, string>;
  /** One method call by the first device, on the account (its `accountId` filled in). */
  call: (method: string, args: JmapArgs) => Promise<JmapArgs>;
}

/**
 * Starts the services for one JMAP suite (on topics of its own, as every test platform), and
 * creates one account on them with `devices` devices. The platform is stopped again if the account
 * cannot be set up, so a failed start leaves nothing running.
 */
export async function startJmapSuite(
  suite: string,
  { devices = 1 }: { devices?: number } = {},
): Promise<JmapSuite> {
  const platform = await startSuitePlatform(suite, {
    mailDomains: ['example.com'],
  });
  try {
    const account = await accountWithDevices(platform, devices);
    const device = account.devices[0]!;
    const call = (method: string, args: JmapArgs): Promise<JmapArgs> =>
      callJmap(device, method, { accountId: account.accountId, ...args });
    const roles = mailboxIdsByRole(await call('Mailbox/get', { ids: null }));
    return { platform, account, device, roles, call };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** The JMAP suite of the enclosing `describe` (see `startedPerSuite`); its fields may be read from the hooks and tests on. */
export function useJmapSuite(suite: string, options: { devices?: number } = {}): JmapSuite {
  const current = startedPerSuite(suite, () => startJmapSuite(suite, options));
  return {
    get platform() {
      return current().platform;
    },
    get account() {
      return current().account;
    },
    get device() {
      return current().device;
    },
    get roles() {
      return current().roles;
    },
    call: (method, args) => current().call(method, args),
  };
}

/** Opens the JMAP WebSocket the session resource advertises. */
export async function openWebSocket(device: JmapDevice): Promise<DeviceClient> {
  const session = await device.jam.session;
  const capability = session.capabilities[WEBSOCKET_CAPABILITY] as { url: string } | undefined;
  if (!capability) throw new Error('the session advertises no WebSocket');
  return DeviceClient.connect(capability.url, device.token);
}

/** RFC 6570 level-1 expansion of the session's URL templates. */
export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

export interface ServerSentEvent {
  event: string;
  id: string | undefined;
  data: string;
  receivedAt: number;
}

/**
 * A Server-Sent Events reader over fetch: the WHATWG EventSource in Node cannot send the bearer
 * token the eventSourceUrl needs, so this reads the stream and parses it as the spec says.
 */
export class EventSourceReader {
  readonly events: ServerSentEvent[] = [];
  readonly closed: Promise<void>;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    private readonly abort: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.closed = this.read(body);
  }

  static async open(url: string, token: string, lastEventId?: string): Promise<EventSourceReader> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
      signal: abort.signal,
    });
    return new EventSourceReader(response.status, abort, response.body);
  }

  /** The first event from index `from` on that matches, waiting for it if need be. */
  async next(
    predicate: (event: ServerSentEvent) => boolean,
    { from = 0, timeoutMs = 5000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<ServerSentEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (!body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line.length === 0) continue;
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            fields[name] =
              name === 'data' && fields['data'] !== undefined ? `${fields['data']}\n${value}` : value;
          }
          if (fields['data'] === undefined) continue;
          this.events.push({
            event: fields['event'] ?? 'message',
            id: fields['id'],
            data: fields['data'],
            receivedAt: performance.now(),
          });
          for (const wake of this.waiters) wake();
          this.waiters.clear();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      for (const wake of this.waiters) wake();
      this.waiters.clear();
    }
  }
}
