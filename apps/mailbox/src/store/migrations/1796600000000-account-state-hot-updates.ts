import { defineMigration } from '@pushmail/platform';

/**
 * The account's state row is written twice per delivered message (its modseqs at commit, the
 * announced modseq after publishing); those writes must be HOT updates (ADR 0055). The partial
 * index of unannounced accounts was keyed on `updated_at` and filtered on `modseq` and
 * `published_modseq`, the very columns every write changes, so no write was HOT: each left a dead
 * row version and a new entry in both indexes. The sweeper that used it reads the table instead.
 * Half of each page is left free so a new row version finds room beside the old one.
 */
export const AccountStateHotUpdates1796600000000 = defineMigration({
  name: 'AccountStateHotUpdates1796600000000',
  up: [
    `DROP INDEX mailbox.account_state_unpublished_idx`,
    `ALTER TABLE mailbox.account_state SET (fillfactor = 50)`,
  ],
  down: [
    `ALTER TABLE mailbox.account_state RESET (fillfactor)`,
    `CREATE INDEX account_state_unpublished_idx ON mailbox.account_state (updated_at) WHERE modseq > published_modseq`,
  ],
});
