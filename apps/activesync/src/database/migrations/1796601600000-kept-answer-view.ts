import { defineMigration } from '@pushmail/platform';

/**
 * Whether the answer kept for a retry of a collection's last Sync was built for the quarantine view:
 * a device now shown the quarantine view is never replayed one built for the whole hierarchy. The
 * answers kept before this column are taken as built for the whole hierarchy (the safe side).
 */
export const KeptAnswerView1796601600000 = defineMigration({
  name: 'KeptAnswerView1796601600000',
  up: ['ALTER TABLE activesync.sync_states ADD COLUMN previous_quarantined boolean NOT NULL DEFAULT false'],
  down: ['ALTER TABLE activesync.sync_states DROP COLUMN previous_quarantined'],
});
