import { defineMigration } from '@pushmail/platform';

/** Access rules, policies, remote wipes, sign-in lockout and the device event outbox. */
export const DeviceManagement1795824000000 = defineMigration({
  name: 'DeviceManagement1795824000000',
  up: [
    `
      CREATE TABLE registry.policies (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL,
        version integer NOT NULL DEFAULT 1,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT policies_name_key UNIQUE (name),
        CONSTRAINT policies_version_check CHECK (version > 0)
      )`,

    `
      ALTER TABLE registry.accounts
        ADD COLUMN policy_id uuid REFERENCES registry.policies (id) ON DELETE RESTRICT,
        ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0,
        ADD COLUMN failure_window_started_at timestamptz,
        ADD COLUMN locked_until timestamptz`,
    `CREATE INDEX accounts_locked_idx ON registry.accounts (locked_until) WHERE locked_until IS NOT NULL`,
    `CREATE INDEX accounts_policy_idx ON registry.accounts (policy_id)`,

    // One row: the organisation-wide defaults.
    `
      CREATE TABLE registry.org_settings (
        id smallint PRIMARY KEY DEFAULT 1,
        default_access varchar(16) NOT NULL DEFAULT 'allowed',
        default_policy_id uuid REFERENCES registry.policies (id) ON DELETE RESTRICT,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT org_settings_single_row CHECK (id = 1),
        CONSTRAINT org_settings_default_access_check CHECK (default_access IN ('allowed', 'blocked', 'quarantined'))
      )`,
    `INSERT INTO registry.org_settings (id) VALUES (1)`,

    `
      CREATE TABLE registry.access_rules (
        id uuid PRIMARY KEY,
        match_field varchar(16) NOT NULL,
        pattern varchar(128) NOT NULL,
        access varchar(16) NOT NULL,
        description varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT access_rules_match_field_check CHECK (match_field IN ('deviceType', 'model')),
        CONSTRAINT access_rules_access_check CHECK (access IN ('allowed', 'blocked', 'quarantined'))
      )`,
    `CREATE UNIQUE INDEX access_rules_pattern_key ON registry.access_rules (match_field, lower(pattern))`,

    // Kept apart from the partnership so it can be set before the device first connects and
    // survives the partnership's removal.
    `
      CREATE TABLE registry.device_exemptions (
        account_id uuid NOT NULL REFERENCES registry.accounts (id) ON DELETE CASCADE,
        device_id varchar(128) NOT NULL,
        access varchar(16) NOT NULL,
        note varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id),
        CONSTRAINT device_exemptions_access_check CHECK (access IN ('allowed', 'blocked'))
      )`,

    `
      ALTER TABLE registry.devices
        ADD COLUMN access_source varchar(16) NOT NULL DEFAULT 'default',
        ADD COLUMN access_rule_id uuid,
        ADD COLUMN access_decided_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN auth_method varchar(16) NOT NULL DEFAULT 'token',
        ADD COLUMN status varchar(16) NOT NULL DEFAULT 'active',
        ADD COLUMN wiped_at timestamptz,
        ADD COLUMN acknowledged_policy_id uuid,
        ADD COLUMN acknowledged_policy_version integer,
        ADD COLUMN policy_acknowledged_at timestamptz,
        ADD CONSTRAINT devices_access_source_check CHECK (access_source IN ('exemption', 'rule', 'default')),
        ADD CONSTRAINT devices_auth_method_check CHECK (auth_method IN ('token', 'password')),
        ADD CONSTRAINT devices_status_check CHECK (status IN ('active', 'wiped'))`,
    `UPDATE registry.devices SET access_reason = 'organisation default: allowed' WHERE access_reason IS NULL`,
    `CREATE INDEX devices_last_sync_idx ON registry.devices (last_sync_at)`,

    // No foreign key to the partnership: who asked for a wipe, and when it was confirmed, outlive it.
    `
      CREATE TABLE registry.device_wipes (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES registry.accounts (id) ON DELETE CASCADE,
        device_id varchar(128) NOT NULL,
        kind varchar(16) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        requested_by varchar(200) NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        cancelled_at timestamptz,
        cancelled_by varchar(200),
        CONSTRAINT device_wipes_kind_check CHECK (kind IN ('full', 'account')),
        CONSTRAINT device_wipes_status_check CHECK (status IN ('pending', 'confirmed', 'cancelled'))
      )`,
    `CREATE UNIQUE INDEX device_wipes_one_pending ON registry.device_wipes (account_id, device_id) WHERE status = 'pending'`,
    `CREATE INDEX device_wipes_account_idx ON registry.device_wipes (account_id, requested_at DESC)`,

    // The outbox of device events: written in the transaction of the change, published (and
    // deleted) with the account's snapshot.
    `
      CREATE TABLE registry.device_events (
        seq bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX device_events_account_idx ON registry.device_events (account_id, seq)`,
  ],
  down: [
    `DROP TABLE registry.device_events`,
    `DROP TABLE registry.device_wipes`,
    `DROP INDEX registry.devices_last_sync_idx`,
    `
      ALTER TABLE registry.devices
        DROP COLUMN access_source, DROP COLUMN access_rule_id, DROP COLUMN access_decided_at,
        DROP COLUMN auth_method, DROP COLUMN status, DROP COLUMN wiped_at,
        DROP COLUMN acknowledged_policy_id, DROP COLUMN acknowledged_policy_version,
        DROP COLUMN policy_acknowledged_at`,
    `DROP TABLE registry.device_exemptions`,
    `DROP TABLE registry.access_rules`,
    `DROP TABLE registry.org_settings`,
    `
      ALTER TABLE registry.accounts
        DROP COLUMN policy_id, DROP COLUMN failed_sign_ins, DROP COLUMN failure_window_started_at,
        DROP COLUMN locked_until`,
    `DROP TABLE registry.policies`,
  ],
});
