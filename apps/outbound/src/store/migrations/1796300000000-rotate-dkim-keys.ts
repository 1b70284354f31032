import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys rotate: a domain keeps its signing key, the next one (published before it signs) and the
 * retired ones whose record must stay published for a while. One row per domain and selector.
 */
export class RotateDkimKeys1796300000000 implements MigrationInterface {
  name = 'RotateDkimKeys1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbound.dkim_keys DROP CONSTRAINT dkim_keys_pkey`);
    await queryRunner.query(`ALTER TABLE outbound.dkim_keys ADD PRIMARY KEY (domain, selector)`);
    await queryRunner.query(`
      ALTER TABLE outbound.dkim_keys
        ADD COLUMN active_from timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN retired_at timestamptz`);
    await queryRunner.query(`UPDATE outbound.dkim_keys SET active_from = created_at`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to one key per domain: the one that signs now.
    await queryRunner.query(`
      DELETE FROM outbound.dkim_keys
       WHERE active_from > now() OR (retired_at IS NOT NULL AND retired_at <= now())`);
    await queryRunner.query(`ALTER TABLE outbound.dkim_keys DROP COLUMN active_from, DROP COLUMN retired_at`);
    await queryRunner.query(`ALTER TABLE outbound.dkim_keys DROP CONSTRAINT dkim_keys_pkey`);
    await queryRunner.query(`ALTER TABLE outbound.dkim_keys ADD PRIMARY KEY (domain)`);
  }
}
