import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One DKIM key per hosted domain; the private key never leaves this table and the signer. */
export class AddDkimKeys1796200000000 implements MigrationInterface {
  name = 'AddDkimKeys1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbound.dkim_keys (
        domain text PRIMARY KEY,
        selector text NOT NULL,
        private_key text NOT NULL,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbound.dkim_keys`);
  }
}
