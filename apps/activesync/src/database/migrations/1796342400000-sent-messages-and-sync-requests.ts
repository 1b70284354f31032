import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a phone sent (by its ClientId, so a SendMail repeated after a lost answer is not sent twice)
 * and the last Sync request of each device (an empty Sync repeats it).
 */
export class SentMessagesAndSyncRequests1796342400000 implements MigrationInterface {
  name = 'SentMessagesAndSyncRequests1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE activesync.sent_messages (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        client_id varchar(64) NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id, client_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE activesync.sync_requests (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        request bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE activesync.sync_requests');
    await queryRunner.query('DROP TABLE activesync.sent_messages');
  }
}
