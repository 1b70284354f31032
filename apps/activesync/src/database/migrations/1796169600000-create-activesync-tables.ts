import { defineMigration } from '@pushmail/platform';

/**
 * The gateway's own state, per partnership: what the device was told about its policy, what it
 * watches with Ping, and for each folder hierarchy and collection the SyncKey it holds, the JMAP
 * state and ServerIds behind that key, and the last answer (so a retried request is answered the same).
 */
export const CreateActiveSyncTables1796169600000 = defineMigration({
  name: 'CreateActiveSyncTables1796169600000',
  up: [
    `
      CREATE TABLE activesync.devices (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        device_type varchar(64) NOT NULL,
        user_agent varchar(512),
        protocol_version varchar(8) NOT NULL,
        model varchar(128),
        os varchar(128),
        friendly_name varchar(128),
        temporary_policy_key bigint,
        policy_key bigint,
        policy_id uuid,
        policy_version integer,
        ping_folders jsonb,
        ping_heartbeat_seconds integer,
        last_command varchar(32),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id)
      )`,
    // Before authentication only the DeviceId is known: the model a device told is found by it.
    'CREATE INDEX devices_device_id_idx ON activesync.devices (device_id)',
    `
      CREATE TABLE activesync.folder_states (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        sync_key varchar(64) NOT NULL,
        folders jsonb NOT NULL,
        previous_key varchar(64),
        previous_response bytea,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id)
      )`,
    `
      CREATE TABLE activesync.sync_states (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        collection_id varchar(64) NOT NULL,
        sync_key varchar(64) NOT NULL,
        email_state varchar(64),
        items jsonb NOT NULL,
        previous_key varchar(64),
        previous_response bytea,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id, collection_id)
      )`,
  ],
  down: [
    'DROP TABLE activesync.sync_states',
    'DROP TABLE activesync.folder_states',
    'DROP TABLE activesync.devices',
  ],
});
