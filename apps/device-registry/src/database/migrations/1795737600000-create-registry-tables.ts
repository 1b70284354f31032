import { defineMigration } from '@pushmail/platform';

export const CreateRegistryTables1795737600000 = defineMigration({
  name: 'CreateRegistryTables1795737600000',
  up: [
    `
      CREATE TABLE registry.accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        address varchar(320) NOT NULL,
        password_hash text NOT NULL,
        display_name varchar(200),
        status varchar(16) NOT NULL DEFAULT 'active',
        revision bigint NOT NULL DEFAULT 1,
        published_revision bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT accounts_address_key UNIQUE (address),
        CONSTRAINT accounts_address_lower_case CHECK (address = lower(address)),
        CONSTRAINT accounts_status_check CHECK (status IN ('active', 'disabled', 'deleted'))
      )`,
    // What the outbox relay scans every few seconds: only accounts that still owe a snapshot.
    `CREATE INDEX accounts_unpublished_idx ON registry.accounts (updated_at) WHERE published_revision < revision`,

    `
      CREATE TABLE registry.devices (
        account_id uuid NOT NULL REFERENCES registry.accounts (id) ON DELETE CASCADE,
        device_id varchar(128) NOT NULL,
        device_type varchar(64) NOT NULL,
        model varchar(128) NOT NULL,
        os varchar(128),
        user_agent varchar(512),
        access varchar(16) NOT NULL DEFAULT 'allowed',
        access_reason varchar(500),
        first_sync_at timestamptz,
        last_sync_at timestamptz,
        last_seen_address varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id),
        CONSTRAINT devices_access_check CHECK (access IN ('allowed', 'blocked', 'quarantined'))
      )`,

    `
      CREATE TABLE registry.device_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        token_sha256 char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CONSTRAINT device_tokens_token_sha256_key UNIQUE (token_sha256),
        CONSTRAINT device_tokens_device_fkey FOREIGN KEY (account_id, device_id)
          REFERENCES registry.devices (account_id, device_id) ON DELETE CASCADE
      )`,
    `CREATE INDEX device_tokens_live_idx ON registry.device_tokens (account_id, device_id) WHERE revoked_at IS NULL`,
  ],
  down: [`DROP TABLE registry.device_tokens`, `DROP TABLE registry.devices`, `DROP TABLE registry.accounts`],
});
