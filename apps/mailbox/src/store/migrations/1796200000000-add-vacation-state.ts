import { defineMigration } from '@pushmail/platform';

/**
 * The VacationResponse's state moves with the account's change transactions, like every other
 * type's, so that its changes are announced (and pushed) as theirs are: the modseq of its last
 * change, kept with the others. The table's own counter goes.
 */
export const AddVacationState1796200000000 = defineMigration({
  name: 'AddVacationState1796200000000',
  up: [
    'ALTER TABLE mailbox.account_state ADD COLUMN vacation_modseq bigint NOT NULL DEFAULT 0',
    'ALTER TABLE mailbox.vacation_responses DROP COLUMN state',
  ],
  down: [
    'ALTER TABLE mailbox.vacation_responses ADD COLUMN state bigint NOT NULL DEFAULT 0',
    'ALTER TABLE mailbox.account_state DROP COLUMN vacation_modseq',
  ],
});
