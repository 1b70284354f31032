import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The out-of-office settings an account's phone set (Settings Oof), returned to every phone of it. */
export class OutOfOffice1796428800000 implements MigrationInterface {
  name = 'OutOfOffice1796428800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE activesync.out_of_office (
        account_id uuid PRIMARY KEY,
        settings jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE activesync.out_of_office');
  }
}
