import { defineMigration } from '@pushmail/platform';

/**
 * Email/get serves the MIME part tree and the text of the text and HTML bodies from the row, read
 * once when the message is stored, instead of parsing the message on every request (ADR 0052). Rows
 * stored before have neither: the first Email/get that needs them reads the message and fills them.
 */
export const AddStoredBodyParts1796400000000 = defineMigration({
  name: 'AddStoredBodyParts1796400000000',
  up: ['ALTER TABLE mailbox.emails ADD COLUMN body_structure jsonb, ADD COLUMN body_values jsonb'],
  down: ['ALTER TABLE mailbox.emails DROP COLUMN body_structure, DROP COLUMN body_values'],
});
