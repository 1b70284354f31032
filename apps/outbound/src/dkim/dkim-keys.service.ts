import { generateKeyPairSync } from 'node:crypto';
import { Inject, Injectable, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../config/outbound-config.js';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
  /** The DER SubjectPublicKeyInfo, base64: the `p=` of the DNS record. */
  publicKey: string;
}

export interface DkimDnsRecord {
  name: string;
  type: 'TXT';
  value: string;
}

/**
 * A DKIM key for every hosted domain, created the first time the service sees the domain (two
 * replicas starting together keep the one stored first). Mail whose sender is at a hosted domain is
 * signed with that domain's key; the record to publish is `dnsRecord(domain)`.
 */
@Injectable()
export class DkimKeys implements OnApplicationBootstrap {
  private readonly keys = new Map<string, DkimKey>();
  private loading: Promise<void> | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OutboundConfig,
  ) {}

  /** After every init hook: the schema is migrated by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.loading ??= this.load();
    await this.loading;
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
         VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO NOTHING`,
        [
          domain,
          `pm${new Date().toISOString().slice(0, 7).replace('-', '')}`,
          privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ],
      );
    }
    const rows: Array<{ domain: string; selector: string; private_key: string; public_key: string }> =
      await this.dataSource.query(
        'SELECT domain, selector, private_key, public_key FROM outbound.dkim_keys WHERE domain = ANY($1::text[])',
        [this.config.MAIL_DOMAINS],
      );
    for (const row of rows) {
      this.keys.set(row.domain, {
        domain: row.domain,
        selector: row.selector,
        privateKey: row.private_key,
        publicKey: row.public_key,
      });
    }
  }

  /** The key that signs mail from `address`, if its domain is hosted here. */
  signingKeyFor(address: string): DkimKey | undefined {
    return this.keys.get(address.slice(address.lastIndexOf('@') + 1).toLowerCase());
  }

  dnsRecord(domain: string): DkimDnsRecord {
    const key = this.keys.get(domain.toLowerCase());
    if (!key) throw new NotFoundException(`${domain.slice(0, 255)} is not a domain hosted here`);
    return {
      name: `${key.selector}._domainkey.${key.domain}`,
      type: 'TXT',
      value: `v=DKIM1; k=rsa; p=${key.publicKey}`,
    };
  }
}
