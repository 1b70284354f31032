import { defineMigration } from '@pushmail/platform';
import { DeviceTrail1795910400000 } from './1795910400000-device-trail.js';

/**
 * The diagnostic trail moved to the operations service, which keeps it in its own schema and fills
 * it again from the topics. `down` gives back the empty table as it was.
 */
export const DropDeviceTrail1796083200000 = defineMigration({
  name: 'DropDeviceTrail1796083200000',
  up: ['DROP TABLE IF EXISTS registry.device_trail'],
  down: [(queryRunner) => new DeviceTrail1795910400000().up(queryRunner)],
});
