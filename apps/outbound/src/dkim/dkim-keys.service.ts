import { generateKeyPairSync } from 'node:crypto';
import {
  Inject,
  Injectable,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../config/outbound-config.js';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
  /** The DER SubjectPublicKeyInfo, base64: the `p=` of the DNS record. */
  publicKey: string;
  /** When it starts signing. */
  activeFrom: Date;
  /** When it stops signing (its successor's start); null while it has none. */
  retiredAt: Date | null;
}

/** Other replicas learn of a rotation within this time (a new key never signs sooner). */
const RELOAD_MS = 30_000;

export interface DkimDnsRecord {
  name: string;
  type: 'TXT';
  value: string;
}

/**
 * A DKIM key for every hosted domain, created the first time the service sees the domain (two
 * replicas starting together keep the one stored first). Mail whose sender is at a hosted domain is
 * signed with the domain's key of the moment: a rotation adds a key that signs from a later time
 * (`usecases/rotate-dkim-key`). The record to publish is `dnsRecord(domain)`.
 */
@Injectable()
export class DkimKeys implements OnApplicationBootstrap, OnModuleDestroy {
  /** Every kept key of each hosted domain, oldest first. */
  private keys = new Map<string, DkimKey[]>();
  private loading: Promise<void> | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OutboundConfig,
  ) {}

  /** After every init hook: the schema is migrated by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.loading ??= this.load();
    await this.loading;
    this.reloadTimer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_MS);
    this.reloadTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.reloadTimer);
  }

  /** Resolves once every hosted domain has its key; nothing is sent unsigned before. */
  get loaded(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    for (const domain of this.config.MAIL_DOMAINS) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await this.dataSource.query(
        `INSERT INTO outbound.dkim_keys (domain, selector, private_key, public_key)
         SELECT $1, $2, $3, $4
          WHERE NOT EXISTS (SELECT 1 FROM outbound.dkim_keys WHERE domain = $1)
         ON CONFLICT DO NOTHING`,
        [
          domain,
          `pm${new Date().toISOString().slice(0, 7).replace('-', '')}`,
          privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ],
      );
    }
    await this.reload();
  }

  /** Reads the keys again (a rotation on any replica) and forgets those past their grace. */
  async reload(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM outbound.dkim_keys WHERE retired_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [this.config.DKIM_RETIRED_GRACE_MS],
    );
    const rows: Array<{
      domain: string;
      selector: string;
      private_key: string;
      public_key: string;
      active_from: Date;
      retired_at: Date | null;
    }> = await this.dataSource.query(
      `SELECT domain, selector, private_key, public_key, active_from, retired_at FROM outbound.dkim_keys
        WHERE domain = ANY($1::text[]) ORDER BY active_from, created_at`,
      [this.config.MAIL_DOMAINS],
    );
    const keys = new Map<string, DkimKey[]>();
    for (const row of rows) {
      const domainKeys = keys.get(row.domain) ?? [];
      domainKeys.push({
        domain: row.domain,
        selector: row.selector,
        privateKey: row.private_key,
        publicKey: row.public_key,
        activeFrom: row.active_from,
        retiredAt: row.retired_at,
      });
      keys.set(row.domain, domainKeys);
    }
    this.keys = keys;
  }

  /** Every kept key of a hosted domain, oldest first; undefined for a domain not hosted here. */
  keysOf(domain: string): readonly DkimKey[] | undefined {
    return this.keys.get(domain.toLowerCase());
  }

  /** The key that signs mail from `address`, if its domain is hosted here. */
  signingKeyFor(address: string, now = new Date()): DkimKey | undefined {
    const keys = this.keys.get(address.slice(address.lastIndexOf('@') + 1).toLowerCase()) ?? [];
    return keys.findLast((key) => key.activeFrom <= now && (key.retiredAt === null || key.retiredAt > now));
  }

  /** The record of the key that signs now. */
  dnsRecord(domain: string): DkimDnsRecord {
    const key = this.signingKeyFor(`@${domain}`);
    if (!key) throw new NotFoundException(`${domain.slice(0, 255)} is not a domain hosted here`);
    return dnsRecordOf(key);
  }
}

export function dnsRecordOf(key: DkimKey): DkimDnsRecord {
  return {
    name: `${key.selector}._domainkey.${key.domain}`,
    type: 'TXT',
    value: `v=DKIM1; k=rsa; p=${key.publicKey}`,
  };
}
