import { defineMigration } from '@pushmail/platform';

/**
 * The sync window (in days, 0: any age) a collection's held items were last answered within. A
 * collection answered before this column has none (null): it is listed once before its changes
 * alone can bring it up to date, since the window it was answered within is not known.
 */
export const HeldWindow1796688000000 = defineMigration({
  name: 'HeldWindow1796688000000',
  up: ['ALTER TABLE activesync.sync_states ADD COLUMN window_days integer'],
  down: ['ALTER TABLE activesync.sync_states DROP COLUMN window_days'],
});
