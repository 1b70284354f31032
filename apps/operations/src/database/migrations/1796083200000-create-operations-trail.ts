import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device diagnostic trail, in operations' own schema: bounded by retention and a per-device
 * cap, pruned by the service. It starts empty; the trail consumers fill it from the topics.
 */
export class CreateOperationsTrail1796083200000 implements MigrationInterface {
  name = 'CreateOperationsTrail1796083200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE operations.device_trail (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id varchar(128),
        kind varchar(32) NOT NULL,
        at timestamptz NOT NULL,
        data jsonb NOT NULL,
        source varchar(200) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX device_trail_device_idx ON operations.device_trail (account_id, device_id, at DESC)',
    );
    await queryRunner.query('CREATE INDEX device_trail_at_idx ON operations.device_trail (at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE operations.device_trail');
  }
}
