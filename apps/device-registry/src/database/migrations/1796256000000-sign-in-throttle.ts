import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed sign-ins for addresses that have no account, counted and locked exactly as an account's
 * own are: otherwise only real addresses would slow down and lock, which tells an attacker which
 * addresses exist. A row is worth keeping until `expires_at`; later failures purge older rows.
 */
export class SignInThrottle1796256000000 implements MigrationInterface {
  name = 'SignInThrottle1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE registry.sign_in_throttle (
        address varchar(320) PRIMARY KEY,
        failed_sign_ins integer NOT NULL DEFAULT 0,
        failure_window_started_at timestamptz,
        locked_until timestamptz,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX sign_in_throttle_expires_idx ON registry.sign_in_throttle (expires_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS registry.sign_in_throttle');
  }
}
