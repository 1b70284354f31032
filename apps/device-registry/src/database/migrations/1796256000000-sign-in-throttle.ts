import { defineMigration } from '@pushmail/platform';

/**
 * Failed sign-ins for addresses that have no account, counted and locked exactly as an account's
 * own are: otherwise only real addresses would slow down and lock, which tells an attacker which
 * addresses exist. A row is worth keeping until `expires_at`; later failures purge older rows.
 */
export const SignInThrottle1796256000000 = defineMigration({
  name: 'SignInThrottle1796256000000',
  up: [
    `
      CREATE TABLE registry.sign_in_throttle (
        address varchar(320) PRIMARY KEY,
        failed_sign_ins integer NOT NULL DEFAULT 0,
        failure_window_started_at timestamptz,
        locked_until timestamptz,
        expires_at timestamptz NOT NULL
      )`,
    'CREATE INDEX sign_in_throttle_expires_idx ON registry.sign_in_throttle (expires_at)',
  ],
  down: ['DROP TABLE IF EXISTS registry.sign_in_throttle'],
});
