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
    if (!account || account.status === 'deleted') {
      await this.hasher.verifyAgainstDummy(password);
      await sleep(this.config.SIGN_IN_FAILURE_DELAY_MS);
      throw new InvalidCredentialsException();
    }
    if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) {
      throw new AccountLockedException(account.lockedUntil);
    }
    if (!(await this.hasher.verify(account.passwordHash, password))) {
      const failure = await this.recordFailure(account.id);
      await sleep(failureDelayMs(this.config.SIGN_IN_FAILURE_DELAY_MS, failure.failures));
      if (failure.lockedUntil && failure.lockedUntil.getTime() > Date.now()) {
        throw new AccountLockedException(failure.lockedUntil);
      }
      throw new InvalidCredentialsException();
    }
    if (account.status !== 'active') throw new AccountDisabledException();
    if (account.failedSignIns > 0) {
      await this.dataSource
        .getRepository(Account)
        .update({ id: account.id }, { failedSignIns: 0, failureWindowStartedAt: null });
    }
    return account.id;
  }

  /**
   * Counts a failure in the current window (a new window when the last one is over) and locks
   * the account once the threshold is reached; the count starts afresh after a lock.
   */
  private async recordFailure(accountId: string): Promise<{ failures: number; lockedUntil: Date | null }> {
    const rows: { failures: number; locked_until: Date | null }[] = await this.dataSource.query(
      `WITH current AS (
         SELECT id,
                (failure_window_started_at IS NULL
                   OR failure_window_started_at < clock_timestamp() - make_interval(secs => $2)) AS fresh,
                failed_sign_ins
           FROM registry.accounts WHERE id = $1 FOR UPDATE
       ), counted AS (
         SELECT id, fresh, CASE WHEN fresh THEN 1 ELSE failed_sign_ins + 1 END AS failures FROM current
       )
       UPDATE registry.accounts a SET
         failed_sign_ins = CASE WHEN c.failures >= $3 THEN 0 ELSE c.failures END,
         failure_window_started_at = CASE
           WHEN c.failures >= $3 THEN NULL
           WHEN c.fresh THEN clock_timestamp()
           ELSE a.failure_window_started_at END,
         locked_until = CASE WHEN c.failures >= $3 THEN clock_timestamp() + make_interval(secs => $4)
                             ELSE a.locked_until END
       FROM counted c WHERE a.id = c.id
       RETURNING c.failures AS failures, a.locked_until`,
      [
        accountId,
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

/** base, 2 x base, 4 x base ... for the 1st, 2nd, 3rd failure, capped. */
export function failureDelayMs(baseMs: number, failures: number): number {
  return Math.min(MAX_FAILURE_DELAY_MS, baseMs * 2 ** Math.max(0, failures - 1));
}
