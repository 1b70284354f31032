import { defineMigration } from '@pushmail/platform';

/**
 * Keys rotate: a domain keeps its signing key, the next one (published before it signs) and the
 * retired ones whose record must stay published for a while. One row per domain and selector.
 */
export const RotateDkimKeys1796300000000 = defineMigration({
  name: 'RotateDkimKeys1796300000000',
  up: [
    `ALTER TABLE outbound.dkim_keys DROP CONSTRAINT dkim_keys_pkey`,
    `ALTER TABLE outbound.dkim_keys ADD PRIMARY KEY (domain, selector)`,
    `
      ALTER TABLE outbound.dkim_keys
        ADD COLUMN active_from timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN retired_at timestamptz`,
    `UPDATE outbound.dkim_keys SET active_from = created_at`,
  ],
  down: [
    // Back to one key per domain: the one that signs now.
    `
      DELETE FROM outbound.dkim_keys
       WHERE active_from > now() OR (retired_at IS NOT NULL AND retired_at <= now())`,
    `ALTER TABLE outbound.dkim_keys DROP COLUMN active_from, DROP COLUMN retired_at`,
    `ALTER TABLE outbound.dkim_keys DROP CONSTRAINT dkim_keys_pkey`,
    `ALTER TABLE outbound.dkim_keys ADD PRIMARY KEY (domain)`,
  ],
});
