import { defineMigration } from '@pushmail/platform';

/**
 * The trail's per-device index in the trail's own order (newest first, then by id): the per-device
 * cap finds a device's cap-th newest record by an index-only walk, and deletes what is older by an
 * index range, without reading the rows themselves. The device timeline reads the same order.
 */
export const TrailDeviceOrderIndex1796688000000 = defineMigration({
  name: 'TrailDeviceOrderIndex1796688000000',
  up: [
    'CREATE INDEX device_trail_device_order_idx ON operations.device_trail (account_id, device_id, at DESC, id DESC)',
    'DROP INDEX operations.device_trail_device_idx',
  ],
  down: [
    'CREATE INDEX device_trail_device_idx ON operations.device_trail (account_id, device_id, at DESC)',
    'DROP INDEX operations.device_trail_device_order_idx',
  ],
});
