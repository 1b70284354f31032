import type { AccountSnapshotV1 } from '@pushmail/contracts';

export type RecipientRoute =
  | { kind: 'local'; accountId: string; address: string }
  | { kind: 'unknown-local'; address: string }
  | { kind: 'remote'; address: string; domain: string };

/**
 * Where a recipient's mail goes: to a hosted account (straight to mail-arrived), nowhere (a hosted
 * domain without that address), or out over SMTP. Kept current from the account snapshots.
 */
export class LocalRecipients {
  private readonly hostedDomains: ReadonlySet<string>;
  private readonly accountByAddress = new Map<string, string>();

  constructor(hostedDomains: readonly string[]) {
    this.hostedDomains = new Set(hostedDomains.map((domain) => domain.toLowerCase()));
  }

  applyChange(next: AccountSnapshotV1 | undefined, previous: AccountSnapshotV1 | undefined): void {
    if (previous) {
      const previousAddress = previous.address.toLowerCase();
      if (this.accountByAddress.get(previousAddress) === previous.accountId) {
        this.accountByAddress.delete(previousAddress);
      }
    }
    if (next && next.status === 'active')
      this.accountByAddress.set(next.address.toLowerCase(), next.accountId);
  }

  route(rawAddress: string): RecipientRoute {
    const address = rawAddress.trim().toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!this.hostedDomains.has(domain)) return { kind: 'remote', address: rawAddress.trim(), domain };
    const accountId = this.accountByAddress.get(address);
    return accountId === undefined
      ? { kind: 'unknown-local', address }
      : { kind: 'local', accountId, address };
  }
}
