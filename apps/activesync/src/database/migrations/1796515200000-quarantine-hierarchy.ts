import { defineMigration } from '@pushmail/platform';

/**
 * Whether the hierarchy a device holds is the quarantine view (the default folders only): once the
 * device's standing no longer matches it, the device is told to FolderSync (Ping 7, Sync 12).
 */
export const QuarantineHierarchy1796515200000 = defineMigration({
  name: 'QuarantineHierarchy1796515200000',
  up: ['ALTER TABLE activesync.folder_states ADD COLUMN quarantined boolean NOT NULL DEFAULT false'],
  down: ['ALTER TABLE activesync.folder_states DROP COLUMN quarantined'],
});
