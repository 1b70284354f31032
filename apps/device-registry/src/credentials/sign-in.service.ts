import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { CONFIG } from '@pushmail/platform';
import { Account } from '../accounts/entities/account.entity.js';
import type { RegistryConfig } from '../config/registry-config.js';
import {
  AccountDisabledException,
  AccountLockedException,
  InvalidCredentialsException,
} from '../devices/devices.errors.js';
import { PasswordHasher } from './password-hasher.js';

const MAX_FAILURE_DELAY_MS = 4000;

type LockoutConfig = Pick<
  RegistryConfig,
  | 'SIGN_IN_LOCKOUT_THRESHOLD'
  | 'SIGN_IN_LOCKOUT_WINDOW_SECONDS'
  | 'SIGN_IN_LOCKOUT_SECONDS'
  | 'SIGN_IN_FAILURE_DELAY_MS'
>;

/**
 * Checks an account's password, for device registrations and for standard clients' password
 * sign-ins alike. Failures are answered ever more slowly, and enough of them within the window
 * lock the account for a while: a locked account is refused before any hashing, so guessing
 * costs the attacker time and the server nothing.
 *
 * An address without an account goes through the same steps at the same cost: a hash of the
 * same work, a failure counted and locked under the address (`registry.sign_in_throttle`), the
 * same growing delay and the same 429. Neither the answer, its time nor the lockout tells
 * whether an address exists.
 */
@Injectable()
export class SignIn {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(CONFIG) private readonly config: LockoutConfig,
  ) {}

  /** The account id, or an exception that is the answer (401, 403 disabled, 429 locked). */
  async verify(address: string, password: string): Promise<string> {
    const account = await this.dataSource.getRepository(Account).findOne({
      where: { address },
      select: { id: true, passwordHash: true, status: true, lockedUntil: true, failedSignIns: true },
    });
    if (!account || account.status === 'deleted') return this.refuseUnknown(address, password);
    if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) {
      throw new AccountLockedException(account.lockedUntil);
    }
    if (!(await this.hasher.verify(account.passwordHash, password))) {
      return this.refuseAfter(await this.recordFailure(ACCOUNT_FAILURES, account.id));
    }
    if (account.status !== 'active') throw new AccountDisabledException();
    if (account.failedSignIns > 0) {
      await this.dataSource
        .getRepository(Account)
        .update({ id: account.id }, { failedSignIns: 0, failureWindowStartedAt: null });
    }
    return account.id;
  }

  private async refuseUnknown(address: string, password: string): Promise<never> {
    const rows: { locked_until: Date | null }[] = await this.dataSource.query(
      'SELECT locked_until FROM registry.sign_in_throttle WHERE address = $1',
      [address],
    );
    const lockedUntil = rows[0]?.locked_until ?? null;
    if (lockedUntil && lockedUntil.getTime() > Date.now()) throw new AccountLockedException(lockedUntil);
    await this.hasher.verifyAgainstDummy(password);
    await this.dataSource.query(
      `WITH expired AS (
         SELECT address FROM registry.sign_in_throttle
          WHERE expires_at < clock_timestamp() AND address <> $1
          ORDER BY expires_at LIMIT 20
       ), purged AS (
         DELETE FROM registry.sign_in_throttle t USING expired e WHERE t.address = e.address
       )
       INSERT INTO registry.sign_in_throttle (address, expires_at) VALUES ($1, clock_timestamp())
       ON CONFLICT (address) DO NOTHING`,
      [address],
    );
    return this.refuseAfter(await this.recordFailure(THROTTLE_FAILURES, address));
  }

  private async refuseAfter(failure: { failures: number; lockedUntil: Date | null }): Promise<never> {
    await sleep(failureDelayMs(this.config.SIGN_IN_FAILURE_DELAY_MS, failure.failures));
    if (failure.lockedUntil && failure.lockedUntil.getTime() > Date.now()) {
      throw new AccountLockedException(failure.lockedUntil);
    }
    throw new InvalidCredentialsException();
  }

  /**
   * Counts a failure in the current window (a new window when the last one is over) and locks
   * the account (or the unknown address) once the threshold is reached; the count starts afresh
   * after a lock.
   */
  private async recordFailure(
    table: FailureTable,
    key: string,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    const rows: { failures: number; locked_until: Date | null }[] = await this.dataSource.query(
      `WITH current AS (
         SELECT ${table.key} AS key,
                (failure_window_started_at IS NULL
                   OR failure_window_started_at < clock_timestamp() - make_interval(secs => $2)) AS fresh,
                failed_sign_ins
           FROM ${table.name} WHERE ${table.key} = $1 FOR UPDATE
       ), counted AS (
         SELECT key, fresh, CASE WHEN fresh THEN 1 ELSE failed_sign_ins + 1 END AS failures FROM current
       )
       UPDATE ${table.name} a SET
         failed_sign_ins = CASE WHEN c.failures >= $3 THEN 0 ELSE c.failures END,
         failure_window_started_at = CASE
           WHEN c.failures >= $3 THEN NULL
           WHEN c.fresh THEN clock_timestamp()
           ELSE a.failure_window_started_at END,
         locked_until = CASE WHEN c.failures >= $3 THEN clock_timestamp() + make_interval(secs => $4)
                             ELSE a.locked_until END
         ${table.expires ? ', expires_at = clock_timestamp() + make_interval(secs => greatest($2, $4))' : ''}
       FROM counted c WHERE a.${table.key} = c.key
       RETURNING c.failures AS failures, a.locked_until`,
      [
        key,
        this.config.SIGN_IN_LOCKOUT_WINDOW_SECONDS,
        this.config.SIGN_IN_LOCKOUT_THRESHOLD,
        this.config.SIGN_IN_LOCKOUT_SECONDS,
      ],
    );
    // The UPDATE ... RETURNING of the raw driver comes back as [rows, count].
    const row = (Array.isArray(rows[0]) ? (rows[0] as unknown[])[0] : rows[0]) as
      { failures: number; locked_until: Date | null } | undefined;
    return { failures: Number(row?.failures ?? 1), lockedUntil: row?.locked_until ?? null };
  }
}

interface FailureTable {
  name: string;
  key: string;
  /** Whether rows carry an `expires_at` to keep current (the throttle's rows are purged). */
  expires: boolean;
}

const ACCOUNT_FAILURES: FailureTable = { name: 'registry.accounts', key: 'id', expires: false };
const THROTTLE_FAILURES: FailureTable = { name: 'registry.sign_in_throttle', key: 'address', expires: true };

/** base, 2 x base, 4 x base ... for the 1st, 2nd, 3rd failure, capped. */
export function failureDelayMs(baseMs: number, failures: number): number {
  return Math.min(MAX_FAILURE_DELAY_MS, baseMs * 2 ** Math.max(0, failures - 1));
}
