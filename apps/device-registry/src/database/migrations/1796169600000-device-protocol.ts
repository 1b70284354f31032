import { defineMigration } from '@pushmail/platform';

/**
 * Which protocol a partnership speaks (JMAP or Exchange ActiveSync) and, as the gateway reports it,
 * the protocol version, the last command and the Ping heartbeat. Every existing device is JMAP.
 */
export const DeviceProtocol1796169600000 = defineMigration({
  name: 'DeviceProtocol1796169600000',
  up: [
    `
      ALTER TABLE registry.devices
        ADD COLUMN protocol varchar(16) NOT NULL DEFAULT 'jmap',
        ADD COLUMN protocol_version varchar(8),
        ADD COLUMN last_command varchar(32),
        ADD COLUMN last_command_at timestamptz,
        ADD COLUMN heartbeat_seconds integer`,
  ],
  down: [
    `
      ALTER TABLE registry.devices
        DROP COLUMN heartbeat_seconds,
        DROP COLUMN last_command_at,
        DROP COLUMN last_command,
        DROP COLUMN protocol_version,
        DROP COLUMN protocol`,
  ],
});
