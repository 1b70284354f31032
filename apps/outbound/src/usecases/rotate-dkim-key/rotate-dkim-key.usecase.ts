import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { type DkimKey, DkimKeys, dnsRecordOf } from '../../dkim/dkim-keys.service.js';
import type { DomainDkim } from './dto/domain-dkim.dto.js';

/**
 * Rotates a hosted domain's DKIM key: a new key with a new selector signs from
 * `DKIM_ROTATION_DELAY_MS` on (the time to publish its record), and the old one stops then; the old
 * record stays to publish `DKIM_RETIRED_GRACE_MS` longer, so the mail it signed keeps verifying.
 */
@Injectable()
export class RotateDkimKey {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DkimKeys) private readonly keys: DkimKeys,
    @Inject(CONFIG) private readonly config: OutboundConfig,
  ) {}

  /** The domain's keys and the records to publish. */
  show(domain: string, now = new Date()): DomainDkim {
    const keys = this.keys.keysOf(domain);
    if (!keys)
      throw new NotFoundException({ error: 'not_found', message: `${domain} is not a domain hosted here` });
    return {
      domain: domain.toLowerCase(),
      keys: keys.map((key) => ({
        selector: key.selector,
        state: stateOf(key, now),
        activeFrom: key.activeFrom.toISOString(),
        retiredAt: key.retiredAt?.toISOString() ?? null,
        publishUntil:
          key.retiredAt === null
            ? null
            : new Date(key.retiredAt.getTime() + this.config.DKIM_RETIRED_GRACE_MS).toISOString(),
        record: dnsRecordOf(key),
      })),
    };
  }

  async rotate(domain: string): Promise<DomainDkim> {
    const hosted = domain.toLowerCase();
    this.hostedKeys(hosted);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const selector = `pm${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(2).toString('hex')}`;
    await this.dataSource.transaction(async (manager) => {
      const pending: Array<{ active_from: Date }> = await manager.query(
        `SELECT active_from FROM outbound.dkim_keys WHERE domain = $1 AND active_from > now() FOR UPDATE`,
        [hosted],
      );
      if (pending.length > 0) {
        throw new ConflictException({
          error: 'rotation_pending',
          message: `${hosted} already has a next key, signing from ${pending[0]!.active_from.toISOString()}`,
        });
      }
      const activeFrom = `now() + make_interval(secs => $2::double precision / 1000)`;
      await manager.query(
        `UPDATE outbound.dkim_keys SET retired_at = ${activeFrom}
          WHERE domain = $1 AND (retired_at IS NULL OR retired_at > ${activeFrom})`,
        [hosted, this.config.DKIM_ROTATION_DELAY_MS],
      );
      await manager.query(
        `INSERT INTO outbound.dkim_keys (domain, selector, private_key, public_key, active_from)
         VALUES ($1, $3, $4, $5, ${activeFrom})`,
        [
          hosted,
          this.config.DKIM_ROTATION_DELAY_MS,
          selector,
          privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        ],
      );
    });
    await this.keys.reload();
    return this.show(hosted);
  }

  private hostedKeys(domain: string): readonly DkimKey[] {
    const keys = this.keys.keysOf(domain);
    if (!keys)
      throw new NotFoundException({ error: 'not_found', message: `${domain} is not a domain hosted here` });
    return keys;
  }
}

function stateOf(key: DkimKey, now: Date): 'signing' | 'next' | 'retired' {
  if (key.activeFrom > now) return 'next';
  return key.retiredAt !== null && key.retiredAt <= now ? 'retired' : 'signing';
}
