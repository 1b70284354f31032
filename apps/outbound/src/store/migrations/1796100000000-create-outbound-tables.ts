import { defineMigration } from '@pushmail/platform';

/** The durable queue: submitted messages, one delivery per recipient, and the outbox of events. */
export const CreateOutboundTables1796100000000 = defineMigration({
  name: 'CreateOutboundTables1796100000000',
  up: [
    `
      CREATE TABLE outbound.messages (
        submission_id text PRIMARY KEY,
        account_id uuid NOT NULL,
        email_id text NOT NULL,
        mail_from text NOT NULL,
        raw bytea NOT NULL,
        submitted_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    `
      CREATE TABLE outbound.deliveries (
        id bigserial PRIMARY KEY,
        submission_id text NOT NULL REFERENCES outbound.messages (submission_id) ON DELETE CASCADE,
        account_id uuid NOT NULL,
        recipient text NOT NULL,
        status text NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_reply text,
        remote_host text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'deferred', 'delivered', 'bounced')),
        -- A redelivered submission queues each recipient once.
        CONSTRAINT deliveries_submission_recipient_key UNIQUE (submission_id, recipient)
      )`,
    // The worker's claim: what is due, oldest first.
    `CREATE INDEX deliveries_due_idx ON outbound.deliveries (next_attempt_at) WHERE status IN ('queued', 'deferred')`,
    `
      CREATE TABLE outbound.outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE outbound.outbox`, `DROP TABLE outbound.deliveries`, `DROP TABLE outbound.messages`],
});
