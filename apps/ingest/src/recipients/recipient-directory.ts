import type { AccountSnapshotV1 } from '@pushmail/contracts';

export type RecipientResolution =
  | { kind: 'account'; accountId: string; address: string }
  | { kind: 'foreign-domain'; address: string }
  | { kind: 'unknown-user'; address: string };

/**
 * Who may receive mail here: addresses of active accounts under the hosted domains. Kept current
 * from the account snapshots; answers from memory so an RCPT costs a map lookup.
 */
export class RecipientDirectory {
  private readonly hostedDomains: ReadonlySet<string>;
  private readonly accountByAddress = new Map<string, string>();

  constructor(hostedDomains: readonly string[]) {
    this.hostedDomains = new Set(hostedDomains.map((domain) => domain.toLowerCase()));
  }

  get size(): number {
    return this.accountByAddress.size;
  }

  /** Applies a change of one account's snapshot; `next` undefined means the account is gone. */
  applyChange(next: AccountSnapshotV1 | undefined, previous: AccountSnapshotV1 | undefined): void {
    if (previous) {
      const previousAddress = normalizeAddress(previous.address);
      // Another account may have taken the address since; only drop it if it is still ours.
      if (this.accountByAddress.get(previousAddress) === previous.accountId) {
        this.accountByAddress.delete(previousAddress);
      }
    }
    if (next && next.status === 'active') {
      this.accountByAddress.set(normalizeAddress(next.address), next.accountId);
    }
  }

  resolve(rawAddress: string): RecipientResolution {
    const address = normalizeAddress(rawAddress);
    const at = address.lastIndexOf('@');
    const domain = at >= 0 ? address.slice(at + 1) : '';
    if (!this.hostedDomains.has(domain)) return { kind: 'foreign-domain', address };
    const accountId = this.accountByAddress.get(address);
    if (accountId === undefined) return { kind: 'unknown-user', address };
    return { kind: 'account', accountId, address };
  }
}

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}
