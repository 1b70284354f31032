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
    // One statement for both cases, so an unknown address costs the same round trips as a known one.
    const rows: LookupRow[] = await this.dataSource.query(
      `SELECT a.id, a.password_hash, a.status, a.locked_until, a.failed_sign_ins,
              t.locked_until AS throttle_locked_until
         FROM (SELECT $1::varchar AS address) q
         LEFT JOIN registry.accounts a ON a.address = q.address
         LEFT JOIN registry.sign_in_throttle t ON t.address = q.address`,
      [address],
    );
    const found = rows[0];
    if (!found?.id || found.status === 'deleted') {
      return this.refuseUnknown(address, password, found?.throttle_locked_until ?? null);
    }
    if (found.locked_until && found.locked_until.getTime() > Date.now()) {
      throw new AccountLockedException(found.locked_until);
    }
    if (!(await this.hasher.verify(found.password_hash!, password))) {
      return this.refuseAfter(await this.recordAccountFailure(found.id));
    }
    if (found.status !== 'active') throw new AccountDisabledException();
    if (Number(found.failed_sign_ins) > 0) {
      await this.dataSource
        .getRepository(Account)
        .update({ id: found.id }, { failedSignIns: 0, failureWindowStartedAt: null });
    }
    return found.id;
  }

  private async refuseUnknown(address: string, password: string, lockedUntil: Date | null): Promise<never> {
    if (lockedUntil && lockedUntil.getTime() > Date.now()) throw new AccountLockedException(lockedUntil);
    await this.hasher.verifyAgainstDummy(password);
    return this.refuseAfter(await this.recordThrottleFailure(address));
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
   * the account once the threshold is reached; the count starts afresh after a lock.
   */
  private async recordAccountFailure(accountId: string): Promise<Failure> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE registry.accounts r SET ${COUNT_FAILURE} WHERE r.id = $1 RETURNING ${FAILURES_RETURNED}`,
      this.lockoutParameters(accountId),
    );
    return failureOf(rows);
  }

  /**
   * The same count and lock for an address without an account, in one statement that also
   * purges a few rows whose window and lock are over, so the table does not grow with every
   * address ever tried.
   */
  private async recordThrottleFailure(address: string): Promise<Failure> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH expired AS (
         SELECT address FROM registry.sign_in_throttle
          WHERE expires_at < clock_timestamp() AND address <> $1
          ORDER BY expires_at LIMIT 20
       ), purged AS (
         DELETE FROM registry.sign_in_throttle t USING expired e WHERE t.address = e.address
       )
       INSERT INTO registry.sign_in_throttle AS r
              (address, failed_sign_ins, failure_window_started_at, locked_until, expires_at)
       VALUES ($1,
               CASE WHEN 1 >= $3::integer THEN 0 ELSE 1 END,
               CASE WHEN 1 >= $3::integer THEN NULL ELSE clock_timestamp() END,
               CASE WHEN 1 >= $3::integer THEN clock_timestamp() + make_interval(secs => $4::double precision) END,
               ${THROTTLE_EXPIRY})
       ON CONFLICT (address) DO UPDATE SET ${COUNT_FAILURE}, expires_at = ${THROTTLE_EXPIRY}
       RETURNING ${FAILURES_RETURNED}`,
      this.lockoutParameters(address),
    );
    return failureOf(rows);
  }

  private lockoutParameters(key: string): unknown[] {
    return [
      key,
      this.config.SIGN_IN_LOCKOUT_WINDOW_SECONDS,
      this.config.SIGN_IN_LOCKOUT_THRESHOLD,
      this.config.SIGN_IN_LOCKOUT_SECONDS,
    ];
  }
}

interface LookupRow {
  id: string | null;
  password_hash: string | null;
  status: Account['status'] | null;
  locked_until: Date | null;
  failed_sign_ins: number | null;
  throttle_locked_until: Date | null;
}

interface Failure {
  failures: number;
  lockedUntil: Date | null;
}

// The counted row is `r`; $2 the window, $3 the threshold, $4 the lock, in seconds. The failure
// that reaches the threshold locks and starts the count afresh.
const FRESH_WINDOW = `(r.failure_window_started_at IS NULL
  OR r.failure_window_started_at < clock_timestamp() - make_interval(secs => $2::double precision))`;
const FAILURES = `(CASE WHEN ${FRESH_WINDOW} THEN 1 ELSE r.failed_sign_ins + 1 END)`;
const COUNT_FAILURE = `
  locked_until = CASE WHEN ${FAILURES} >= $3::integer
                      THEN clock_timestamp() + make_interval(secs => $4::double precision)
                      ELSE r.locked_until END,
  failure_window_started_at = CASE WHEN ${FAILURES} >= $3::integer THEN NULL
                                   WHEN ${FRESH_WINDOW} THEN clock_timestamp()
                                   ELSE r.failure_window_started_at END,
  failed_sign_ins = CASE WHEN ${FAILURES} >= $3::integer THEN 0 ELSE ${FAILURES} END`;
// A row is worth keeping while its window or its lock may still count.
const THROTTLE_EXPIRY =
  'clock_timestamp() + make_interval(secs => greatest($2::double precision, $4::double precision))';
// Any failure leaves a count of at least 1, except the one that reached the threshold and locked.
const FAILURES_RETURNED = `CASE WHEN r.failed_sign_ins = 0 THEN $3::integer ELSE r.failed_sign_ins END AS failures,
  r.locked_until AS locked_until`;

/** The UPDATE ... RETURNING of the raw driver comes back as [rows, count]. */
function failureOf(rows: unknown[]): Failure {
  const row = (Array.isArray(rows[0]) ? (rows[0] as unknown[])[0] : rows[0]) as
    { failures: number; locked_until: Date | null } | undefined;
  return { failures: Number(row?.failures ?? 1), lockedUntil: row?.locked_until ?? null };
}

/** base, 2 x base, 4 x base ... for the 1st, 2nd, 3rd failure, capped. */
export function failureDelayMs(baseMs: number, failures: number): number {
  return Math.min(MAX_FAILURE_DELAY_MS, baseMs * 2 ** Math.max(0, failures - 1));
}
