import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import type { Logger } from 'pino';
import { RevisionWaiters } from './revision-waiters.js';

export type CredentialsListener = (accountId: string, snapshot: DeviceCredentialsV1 | undefined) => void;

/**
 * Who follows a device edge's copy of the credentials snapshots: listeners, told of each account's
 * snapshot once the edge holds it (e.g. to disconnect revoked devices), and callers waiting until
 * the account reaches a revision device-registry just wrote. The listeners run first, so that a
 * waiter that goes on finds their effects in place; one that throws is logged, the others still run.
 */
export class SnapshotFollowers {
  private readonly listeners: CredentialsListener[] = [];
  private readonly waiters: RevisionWaiters;

  /** @param revisionOf the revision the edge holds for the account, if any */
  constructor(
    private readonly log: Logger,
    revisionOf: (accountId: string) => number | undefined,
  ) {
    this.waiters = new RevisionWaiters(revisionOf);
  }

  onAccountChanged(listener: CredentialsListener): void {
    this.listeners.push(listener);
  }

  /** Resolves true once the edge holds the account's snapshot at `revision` or later, false after `timeoutMs`. */
  waitForRevision(accountId: string, revision: number, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(accountId, revision, timeoutMs);
  }

  /** The edge now holds `snapshot` (undefined: the account is gone). */
  applied(accountId: string, snapshot: DeviceCredentialsV1 | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(accountId, snapshot);
      } catch (error) {
        this.log.error({ err: error, accountId }, 'a credentials listener failed');
      }
    }
    if (snapshot) this.waiters.reached(accountId, snapshot.revision);
  }
}
