import { randomUUID } from 'node:crypto';
import JamClient from 'jmap-jam';
import { DeviceClient, expectEventually, RegistryClient, type RunningPlatform } from '@pushmail/testing';

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

/** Opens the JMAP WebSocket the session resource advertises. */
export async function openWebSocket(device: JmapDevice): Promise<DeviceClient> {
  const session = await device.jam.session;
  const capability = session.capabilities['urn:ietf:params:jmap:websocket'] as { url: string } | undefined;
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
