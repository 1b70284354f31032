import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the administrator's retry and cancel: whether a replica holds a delivery right now (its
 * lease), and a cancel the worker turns into a bounce at its next pass.
 */
export class QueueAdministration1796400000000 implements MigrationInterface {
  name = 'QueueAdministration1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE outbound.deliveries
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN cancel_requested_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE outbound.deliveries DROP COLUMN claimed_until, DROP COLUMN cancel_requested_at`,
    );
  }
}
