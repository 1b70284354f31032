import { child, childText, children, el, textOf, type WbxmlElement } from '@pushmail/activesync';
import {
  EasClient,
  easRequests,
  provisionPolicyOf,
  syncCollectionOf,
  type EasResponse,
} from '@pushmail/testing';
import { sleep, type Mailbox } from './fault-harness.js';

/** A request that got no usable answer: the connection broke, or the server answered 5xx / 429. */
export class EasRequestFailed extends Error {}

/**
 * A phone's mail app as the fault suite drives it: HTTP and WBXML only, no code of the gateway.
 * It does what a real client does: Provision, FolderSync, Sync the Inbox from SyncKey 0, then
 * parks a Ping; a Ping that answers Status 2 is followed by Syncs until nothing more is available.
 * A request that fails (connection reset, refused, 5xx) is tried again after a pause with the same
 * SyncKey, and a failed Ping is followed by a Sync with the last key before the next Ping.
 *
 * What it holds is its ledger: every ServerId it was given with its subject; an Add for a ServerId
 * it already holds, or a second ServerId with a subject it already has, is a doubled item.
 */
export class EasPhone {
  inboxId = '';
  syncKey = '0';
  /** ServerId -> subject, as a device's local store holds them. */
  readonly held = new Map<string, string>();
  readonly subjects = new Map<string, number>();
  doubled = 0;
  /** Requests that failed and were tried again. */
  failedRequests = 0;
  /** Ping answers with Status 2, in all and since `markRestart`. */
  pushes = 0;
  pushesSinceMark = 0;
  /** Answers the client cannot use (Status 3 on a key it was given, unexpected Status values). */
  readonly anomalies: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private parked: AbortController | undefined;
  private readonly client: EasClient;

  constructor(
    baseUrl: string,
    readonly account: Mailbox,
    readonly deviceId: string,
    private readonly heartbeatSeconds: number,
  ) {
    this.client = new EasClient(baseUrl, {
      address: account.address,
      password: account.password,
      deviceId,
      deviceType: 'FaultPhone',
      userAgent: 'FaultPhone/1.0',
    });
  }

  /** Provision (both phases), FolderSync, the Inbox synced from 0 to the end, then Pings in a loop. */
  async start(): Promise<void> {
    await this.retrying('Provision', () => this.provision());
    await this.retrying('FolderSync', () => this.folderSync());
    await this.syncToEnd();
    this.running = true;
    this.loop = this.pingLoop();
  }

  markRestart(): void {
    this.pushesSinceMark = 0;
  }

  seenMarkers(): Set<string> {
    return new Set(this.subjects.keys());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.parked?.abort();
    await this.loop;
  }

  private async pingLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.pingOnce();
      } catch (error) {
        if (!this.running) return;
        this.anomalies.push((error as Error).message);
        await sleep(1000);
      }
    }
  }

  /** One parked Ping and what follows it. */
  private async pingOnce(): Promise<void> {
    let status: string | undefined;
    try {
      this.parked = new AbortController();
      const answer = await this.command(
        'Ping',
        easRequests.ping(this.heartbeatSeconds, [this.inboxId]),
        this.parked.signal,
      );
      status = childText(answer, 'Status');
    } catch (error) {
      if (!this.running || !(error instanceof EasRequestFailed)) throw error;
      // The gateway went away under the parked Ping: catch up with the last key, then park again.
      this.failedRequests += 1;
      await sleep(300);
      await this.syncToEnd();
      return;
    }
    if (status === '2') {
      this.pushes += 1;
      this.pushesSinceMark += 1;
      await this.syncToEnd();
    } else if (status === '7') {
      await this.retrying('FolderSync', () => this.folderSync());
    } else if (status !== '1') {
      throw new Error(`Ping Status ${status}`);
    }
  }

  /** Syncs the Inbox until the server has nothing more, each request retried with the same key. */
  async syncToEnd(): Promise<void> {
    for (;;) {
      const more = await this.retrying('Sync', () => this.syncOnce());
      if (!more) return;
    }
  }

  /** One Sync from the current key; true when MoreAvailable. */
  private async syncOnce(): Promise<boolean> {
    const later = this.syncKey !== '0';
    const answer = await this.command(
      'Sync',
      easRequests.sync(
        this.inboxId,
        this.syncKey,
        later && el('AirSync', 'GetChanges', '1'),
        later && el('AirSync', 'WindowSize', '50'),
        later && easRequests.bodyPreference('1', 64),
      ),
    );
    const collection = syncCollectionOf(answer);
    const status = collection ? childText(collection, 'Status') : childText(answer, 'Status');
    // Status 3 on a key the server gave would make a phone start over from 0: never after a crash.
    if (!collection || status !== '1') throw new Error(`Sync Status ${status} on key ${this.syncKey}`);
    const commands = child(collection, 'Commands');
    for (const add of commands ? children(commands, 'Add') : []) {
      const serverId = childText(add, 'ServerId')!;
      const subject = childText(child(add, 'ApplicationData')!, 'Subject', 'Email') ?? '';
      if (this.held.has(serverId)) this.doubled += 1;
      this.held.set(serverId, subject);
      const count = (this.subjects.get(subject) ?? 0) + 1;
      if (count > 1) this.doubled += 1;
      this.subjects.set(subject, count);
    }
    for (const gone of commands ? children(commands, 'Delete') : []) {
      const serverId = childText(gone, 'ServerId')!;
      const subject = this.held.get(serverId);
      this.held.delete(serverId);
      if (subject !== undefined) this.subjects.set(subject, (this.subjects.get(subject) ?? 1) - 1);
    }
    this.syncKey = childText(collection, 'SyncKey')!;
    return child(collection, 'MoreAvailable') !== undefined;
  }

  private async provision(): Promise<void> {
    const keyOf = (answer: WbxmlElement) => textOf(child(provisionPolicyOf(answer)!, 'PolicyKey'));
    const first = await this.command('Provision', easRequests.provision());
    const temporary = keyOf(first);
    if (!temporary) throw new Error(`Provision gave no key: ${JSON.stringify(first)}`);
    const second = await this.command('Provision', easRequests.provision(temporary));
    this.client.policyKey = keyOf(second) ?? temporary;
  }

  private async folderSync(): Promise<void> {
    const answer = await this.command('FolderSync', easRequests.folderSync('0'));
    const changes = child(answer, 'Changes');
    const inbox = (changes ? children(changes, 'Add') : []).find((add) => childText(add, 'Type') === '2');
    if (!inbox) throw new Error('FolderSync listed no Inbox');
    this.inboxId = childText(inbox, 'ServerId')!;
  }

  private async retrying<T>(what: string, work: () => Promise<T>, deadlineMs = 120_000): Promise<T> {
    const giveUpAt = Date.now() + deadlineMs;
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof EasRequestFailed) || Date.now() > giveUpAt)
          throw new Error(`${this.deviceId}: ${what} failed: ${(error as Error).message}`, { cause: error });
        this.failedRequests += 1;
        await sleep(300);
      }
    }
  }

  /** One POST; a broken connection or an answer of 5xx / 429 / 449 is an `EasRequestFailed`. */
  async command(cmd: string, body?: WbxmlElement, signal?: AbortSignal): Promise<WbxmlElement> {
    let response: EasResponse;
    try {
      response = await this.client.command(cmd, body, { signal: signal ?? AbortSignal.timeout(60_000) });
    } catch (error) {
      if (signal?.aborted && !this.running) throw error;
      throw new EasRequestFailed(`${cmd}: ${(error as Error).message}`);
    }
    if (response.status >= 500 || response.status === 429)
      throw new EasRequestFailed(`${cmd}: HTTP ${response.status}`);
    if (response.status !== 200 || !response.body)
      throw new Error(`${cmd}: HTTP ${response.status} ${response.bytes.toString('utf8').slice(0, 200)}`);
    const answer = response.body;
    const status = childText(answer, 'Status');
    // 142/143/144: provision again, as a phone does, and tell the caller to repeat the command.
    if (cmd !== 'Provision' && (status === '142' || status === '143' || status === '144')) {
      this.anomalies.push(`${cmd} Status ${status}`);
      await this.provision();
      throw new EasRequestFailed(`${cmd}: Status ${status}`);
    }
    return answer;
  }
}
