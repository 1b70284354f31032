import type { Logger } from 'pino';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrateWithLock, serviceDataSourceOptions, withStatementLimits } from '@pushmail/platform';
import { CreatePushSubscriptions1796774400000 } from './migrations/1796774400000-create-push-subscriptions.js';

export const PUSH_SCHEMA = 'push';

/** Listed explicitly, oldest first. */
export const pushMigrations = [CreatePushSubscriptions1796774400000];

export function pushDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return serviceDataSourceOptions(databaseUrl, {
    schema: PUSH_SCHEMA,
    applicationName: 'push-delivery',
    migrations: pushMigrations,
  });
}

export interface StoredSubscription {
  id: string;
  accountId: string;
  deviceClientId: string;
  url: string;
  keys: { p256dh: string; auth: string } | null;
  verificationCode: string;
  verified: boolean;
  expires: Date;
  types: string[] | null;
}

interface Row {
  id: string;
  account_id: string;
  device_client_id: string;
  url: string;
  p256dh: string | null;
  auth: string | null;
  verification_code: string;
  verified: boolean;
  expires: Date;
  types: string[] | null;
}

const COLUMNS =
  'id, account_id, device_client_id, url, p256dh, auth, verification_code, verified, expires, types';

function fromRow(row: Row): StoredSubscription {
  return {
    id: row.id,
    accountId: row.account_id,
    deviceClientId: row.device_client_id,
    url: row.url,
    keys: row.p256dh && row.auth ? { p256dh: row.p256dh, auth: row.auth } : null,
    verificationCode: row.verification_code,
    verified: row.verified,
    expires: new Date(row.expires),
    types: row.types,
  };
}

/** The push schema of push-delivery's database: subscriptions of every account, seen by every replica. */
export class PushSubscriptionStore {
  private constructor(private readonly dataSource: DataSource) {}

  static async open(
    databaseUrl: string,
    statementTimeoutMs: number,
    logger: Logger,
  ): Promise<PushSubscriptionStore> {
    const dataSource = new DataSource(
      withStatementLimits(pushDataSourceOptions(databaseUrl), { statementTimeoutMs }),
    );
    await dataSource.initialize();
    await migrateWithLock(dataSource, PUSH_SCHEMA, logger);
    return new PushSubscriptionStore(dataSource);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async ofAccount(accountId: string, ids?: readonly string[]): Promise<StoredSubscription[]> {
    const rows: Row[] = ids
      ? await this.dataSource.query(
          `SELECT ${COLUMNS} FROM push.subscriptions WHERE account_id = $1 AND id = ANY($2::uuid[]) ORDER BY created_at`,
          [accountId, ids],
        )
      : await this.dataSource.query(
          `SELECT ${COLUMNS} FROM push.subscriptions WHERE account_id = $1 ORDER BY created_at`,
          [accountId],
        );
    return rows.map(fromRow);
  }

  /** Forgets the account's expired subscriptions (nothing is pushed to them) and counts the rest. */
  async purgeExpiredAndCount(accountId: string): Promise<number> {
    await this.dataSource.query('DELETE FROM push.subscriptions WHERE account_id = $1 AND expires <= now()', [
      accountId,
    ]);
    const [row] = (await this.dataSource.query(
      'SELECT count(*)::int AS n FROM push.subscriptions WHERE account_id = $1',
      [accountId],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  async insert(subscription: StoredSubscription): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO push.subscriptions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        subscription.id,
        subscription.accountId,
        subscription.deviceClientId,
        subscription.url,
        subscription.keys?.p256dh ?? null,
        subscription.keys?.auth ?? null,
        subscription.verificationCode,
        subscription.verified,
        subscription.expires,
        subscription.types,
      ],
    );
  }

  async update(
    accountId: string,
    id: string,
    patch: { verified?: boolean; expires?: Date; types?: string[] | null },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE push.subscriptions SET
         verified = COALESCE($3, verified),
         expires = COALESCE($4, expires),
         types = CASE WHEN $5::boolean THEN $6::text[] ELSE types END
       WHERE account_id = $1 AND id = $2`,
      [accountId, id, patch.verified ?? null, patch.expires ?? null, 'types' in patch, patch.types ?? null],
    );
  }

  async remove(accountId: string, id: string): Promise<boolean> {
    const result = (await this.dataSource.query(
      'DELETE FROM push.subscriptions WHERE account_id = $1 AND id = $2 RETURNING id',
      [accountId, id],
    )) as [unknown[], number];
    return result[1] > 0;
  }

  /**
   * The verified, unexpired subscriptions of an account that this replica claims for `state`: the
   * claim moves `last_pushed_state` forward, so of all replicas reading the same change exactly one
   * sends it, and an older or repeated state is sent by none.
   */
  async claimForState(accountId: string, state: string): Promise<StoredSubscription[]> {
    if (!/^\d{1,18}$/.test(state)) return [];
    const [rows] = (await this.dataSource.query(
      `UPDATE push.subscriptions SET last_pushed_state = $2
        WHERE account_id = $1 AND verified AND expires > now()
          AND (last_pushed_state IS NULL OR last_pushed_state < $2)
        RETURNING ${COLUMNS}`,
      [accountId, state],
    )) as [Row[], number];
    return rows.map(fromRow);
  }

  /** The push service said the subscription is gone (404/410): it is forgotten. */
  async forget(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM push.subscriptions WHERE id = $1', [id]);
  }
}
