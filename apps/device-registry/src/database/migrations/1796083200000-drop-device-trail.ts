import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DeviceTrail1795910400000 } from './1795910400000-device-trail.js';

/**
 * The diagnostic trail moved to the operations service, which keeps it in its own schema and fills
 * it again from the topics. `down` gives back the empty table as it was.
 */
export class DropDeviceTrail1796083200000 implements MigrationInterface {
  name = 'DropDeviceTrail1796083200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS registry.device_trail');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await new DeviceTrail1795910400000().up(queryRunner);
  }
}
