import { defineMigration } from '@pushmail/platform';

/** The out-of-office settings an account's phone set (Settings Oof), returned to every phone of it. */
export const OutOfOffice1796428800000 = defineMigration({
  name: 'OutOfOffice1796428800000',
  up: [
    `
      CREATE TABLE activesync.out_of_office (
        account_id uuid PRIMARY KEY,
        settings jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: ['DROP TABLE activesync.out_of_office'],
});
