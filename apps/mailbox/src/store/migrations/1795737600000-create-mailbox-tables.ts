import { defineMigration } from '@pushmail/platform';

export const CreateMailboxTables1795737600000 = defineMigration({
  name: 'CreateMailboxTables1795737600000',
  up: [
    `
      CREATE TABLE mailbox.account_state (
        account_id uuid PRIMARY KEY,
        modseq bigint NOT NULL DEFAULT 0,
        delivery_modseq bigint NOT NULL DEFAULT 0,
        published_modseq bigint NOT NULL DEFAULT 0,
        changes_horizon bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_state_counters_check CHECK (
          modseq >= 0 AND delivery_modseq <= modseq AND published_modseq <= modseq AND changes_horizon <= modseq
        )
      )`,

    `
      CREATE TABLE mailbox.mailboxes (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        name text NOT NULL,
        role text,
        parent_id text REFERENCES mailbox.mailboxes (id) ON DELETE CASCADE,
        sort_order integer NOT NULL DEFAULT 0,
        created_modseq bigint NOT NULL,
        updated_modseq bigint NOT NULL,
        CONSTRAINT mailboxes_role_check CHECK (role IN ('inbox', 'archive', 'drafts', 'sent', 'trash', 'junk'))
      )`,
    // RFC 8621 allows one mailbox per role; this is also what makes creating the defaults idempotent.
    `CREATE UNIQUE INDEX mailboxes_account_role_key ON mailbox.mailboxes (account_id, role) WHERE role IS NOT NULL`,
    `CREATE INDEX mailboxes_account_idx ON mailbox.mailboxes (account_id)`,

    `
      CREATE TABLE mailbox.emails (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        delivery_id text NOT NULL,
        thread_id text NOT NULL,
        mailbox_ids jsonb NOT NULL,
        keywords jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL,
        size integer NOT NULL,
        subject text,
        "from" jsonb,
        "to" jsonb,
        cc jsonb,
        reply_to jsonb,
        message_id text,
        in_reply_to jsonb,
        "references" jsonb,
        sent_at timestamptz,
        preview text NOT NULL DEFAULT '',
        text_body text,
        html_body text,
        has_attachment boolean NOT NULL DEFAULT false,
        attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
        raw bytea NOT NULL,
        created_modseq bigint NOT NULL,
        updated_modseq bigint NOT NULL,
        CONSTRAINT emails_account_delivery_key UNIQUE (account_id, delivery_id)
      )`,
    // Email/query's default order, and the tie-breaker that makes paging stable.
    `CREATE INDEX emails_account_received_idx ON mailbox.emails (account_id, received_at, id)`,
    // Threading looks replies up by the Message-ID they answer.
    `CREATE INDEX emails_account_message_id_idx ON mailbox.emails (account_id, message_id) WHERE message_id IS NOT NULL`,
    `CREATE INDEX emails_account_thread_idx ON mailbox.emails (account_id, thread_id)`,
    // Which emails a not-yet-announced state created.
    `CREATE INDEX emails_account_created_modseq_idx ON mailbox.emails (account_id, created_modseq)`,
    `CREATE INDEX emails_mailbox_ids_idx ON mailbox.emails USING gin (mailbox_ids jsonb_path_ops)`,

    // The primary key leads with (account_id, type, modseq): it is the index `/changes` reads.
    `
      CREATE TABLE mailbox.changes (
        account_id uuid NOT NULL,
        type text NOT NULL,
        modseq bigint NOT NULL,
        object_id text NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT changes_pkey PRIMARY KEY (account_id, type, modseq, object_id),
        CONSTRAINT changes_type_check CHECK (type IN ('Email', 'Mailbox', 'Thread')),
        CONSTRAINT changes_kind_check CHECK (kind IN ('created', 'updated', 'destroyed'))
      )`,
    // Retention prunes by age.
    `CREATE INDEX changes_at_idx ON mailbox.changes (at)`,
  ],
  down: [
    `DROP TABLE mailbox.changes`,
    `DROP TABLE mailbox.emails`,
    `DROP TABLE mailbox.mailboxes`,
    `DROP TABLE mailbox.account_state`,
  ],
});
