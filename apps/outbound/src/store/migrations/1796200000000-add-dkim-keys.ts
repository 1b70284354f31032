import { defineMigration } from '@pushmail/platform';

/** One DKIM key per hosted domain; the private key never leaves this table and the signer. */
export const AddDkimKeys1796200000000 = defineMigration({
  name: 'AddDkimKeys1796200000000',
  up: [
    `
      CREATE TABLE outbound.dkim_keys (
        domain text PRIMARY KEY,
        selector text NOT NULL,
        private_key text NOT NULL,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE outbound.dkim_keys`],
});
