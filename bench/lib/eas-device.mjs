// A phone's mail app for the EAS scenario: HTTP and WBXML only (the codec and the client's request
// documents from @pushmail/activesync), signed in with its device token as a Bearer. FolderSync, the
// Inbox synced to the end, then Pings. It sends over node:http rather than the shared client's fetch:
// a parked Ping may outlast fetch's five-minute header timeout, and the answer's arrival time is
// taken at its last byte.
import { Agent, request } from 'node:http';
import {
  child,
  childText,
  children,
  decodeWbxml,
  easRequests,
  el,
  encodeWbxml,
  syncCollectionOf,
  WBXML_CONTENT_TYPE as WBXML,
} from '@pushmail/activesync';

// One socket per parked Ping, as phones have: no limit per host, kept alive between commands.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export class EasDevice {
  constructor(baseUrl, { address, accountId, deviceId, token }) {
    this.address = address;
    this.url = new URL('/Microsoft-Server-ActiveSync', baseUrl);
    this.accountId = accountId;
    this.deviceId = deviceId;
    this.token = token;
    this.inboxId = '';
    this.syncKey = '0';
    /** Commands answered 5xx or cut, and sent again (as a phone does) with the same SyncKey. */
    this.retries = 0;
  }

  /** A command that failed on the server or on the way is sent again after a pause, up to 5 times. */
  async retrying(cmd, body) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.command(cmd, body);
      } catch (error) {
        if (attempt >= 5 || (error.httpStatus !== undefined && error.httpStatus < 500)) throw error;
        this.retries += 1;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  /** One POST; resolves with the decoded answer and when its last byte arrived (nowMs clock). */
  command(cmd, body, { timeoutMs = 120_000, now = () => performance.now() } = {}) {
    const query = new URLSearchParams({
      Cmd: cmd,
      User: this.address,
      DeviceId: this.deviceId,
      DeviceType: 'BenchPhone',
    });
    const bytes = body ? encodeWbxml(body) : Buffer.alloc(0);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: `${this.url.pathname}?${query}`,
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': WBXML,
            'content-length': bytes.length,
            'ms-asprotocolversion': '14.1',
            'user-agent': 'BenchPhone/1.0',
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const at = now();
            const data = Buffer.concat(chunks);
            if (response.statusCode !== 200 || response.headers['content-type'] !== WBXML) {
              const error = new Error(
                `${cmd}: HTTP ${response.statusCode} ${data.toString('utf8').slice(0, 200)}`,
              );
              error.httpStatus = response.statusCode;
              reject(error);
              return;
            }
            resolve({ body: decodeWbxml(data), at });
          });
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${cmd}: no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(bytes);
    });
  }

  async folderSync() {
    const { body } = await this.retrying('FolderSync', easRequests.folderSync('0'));
    const changes = child(body, 'Changes');
    const inbox = (changes ? children(changes, 'Add') : []).find((add) => childText(add, 'Type') === '2');
    if (!inbox) throw new Error(`FolderSync of ${this.deviceId} listed no Inbox`);
    this.inboxId = childText(inbox, 'ServerId');
  }

  /**
   * One Sync of the Inbox; after the first, 100 changes at a time with the Sync `options`. What it
   * added and deleted, whether more is available, and whether it was the first (which adds nothing).
   */
  async syncInbox(options) {
    const first = this.syncKey === '0';
    const { body } = await this.retrying(
      'Sync',
      easRequests.sync(
        this.inboxId,
        this.syncKey,
        !first && el('AirSync', 'WindowSize', '100'),
        !first && options,
      ),
    );
    const collection = syncCollectionOf(body);
    const status = collection ? childText(collection, 'Status') : childText(body, 'Status');
    if (status !== '1') throw new Error(`Sync of ${this.deviceId} answered Status ${status}`);
    this.syncKey = childText(collection, 'SyncKey');
    const commands = child(collection, 'Commands');
    return {
      first,
      added: commands ? children(commands, 'Add').length : 0,
      deleted: commands ? children(commands, 'Delete').length : 0,
      more: child(collection, 'MoreAvailable') !== undefined,
    };
  }

  /** Syncs the Inbox until nothing more is available; the number of messages added. */
  async syncToEnd() {
    let added = 0;
    for (;;) {
      const answer = await this.syncInbox(easRequests.bodyPreference('1', 512));
      added += answer.added;
      if (!answer.first && !answer.more) return added;
    }
  }

  /** Parks a Ping on the Inbox; resolves with its Status and when the answer arrived. */
  async ping(heartbeatSeconds, now) {
    const { body, at } = await this.command('Ping', easRequests.ping(heartbeatSeconds, [this.inboxId]), {
      timeoutMs: (heartbeatSeconds + 60) * 1000,
      now,
    });
    return { status: childText(body, 'Status'), at };
  }
}

export function closeEasAgent() {
  agent.destroy();
}
