import type { AccountSnapshotV1 } from '@pushmail/contracts';

export type RecipientResolution =
  | { kind: 'account'; accountId: string; address: string }
  /** A postmaster address (RFC 5321 §4.5.1) with no account to take its mail yet. */
  | { kind: 'postmaster-unassigned'; address: string }
  | { kind: 'foreign-domain'; address: string }
  | { kind: 'unknown-user'; address: string };

/**
 * Who may receive mail here: addresses of active accounts under the hosted domains, and the
 * postmaster of every hosted domain. Kept current from the account snapshots; answers from
 * memory so an RCPT costs a map lookup.
 *
 * `postmaster@<hosted domain>` (and the bare `postmaster`, RFC 5321 §4.1.1.3) goes to the account
 * of that very address when there is one, else to the postmaster account (`POSTMASTER_ACCOUNT`,
 * by default `postmaster@<first hosted domain>`).
 */
export class RecipientDirectory {
  private readonly hostedDomains: ReadonlySet<string>;
  private readonly accountByAddress = new Map<string, string>();
  private readonly postmasterAccount: string;
  /** What the bare `postmaster` stands for: the postmaster of the first hosted domain. */
  private readonly postmasterAddress: string;

  constructor(hostedDomains: readonly string[], postmasterAccount?: string) {
    this.hostedDomains = new Set(hostedDomains.map((domain) => domain.toLowerCase()));
    this.postmasterAddress = normalizeAddress(`postmaster@${hostedDomains[0] ?? ''}`);
    this.postmasterAccount = normalizeAddress(postmasterAccount ?? this.postmasterAddress);
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
    const named = normalizeAddress(rawAddress);
    const address = named === 'postmaster' ? this.postmasterAddress : named;
    const at = address.lastIndexOf('@');
    if (at < 0 || !this.hostedDomains.has(address.slice(at + 1))) return { kind: 'foreign-domain', address };
    const postmaster = address.slice(0, at) === 'postmaster';
    const accountId =
      this.accountByAddress.get(address) ??
      (postmaster ? this.accountByAddress.get(this.postmasterAccount) : undefined);
    if (accountId !== undefined) return { kind: 'account', accountId, address };
    return postmaster ? { kind: 'postmaster-unassigned', address } : { kind: 'unknown-user', address };
  }
}

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}
