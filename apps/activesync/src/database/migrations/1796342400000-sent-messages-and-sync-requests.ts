import { defineMigration } from '@pushmail/platform';

/**
 * What a phone sent (by its ClientId, so a SendMail repeated after a lost answer is not sent twice)
 * and the last Sync request of each device (an empty Sync repeats it).
 */
export const SentMessagesAndSyncRequests1796342400000 = defineMigration({
  name: 'SentMessagesAndSyncRequests1796342400000',
  up: [
    `
      CREATE TABLE activesync.sent_messages (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        client_id varchar(64) NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id, client_id)
      )`,
    `
      CREATE TABLE activesync.sync_requests (
        account_id uuid NOT NULL,
        device_id varchar(128) NOT NULL,
        request bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, device_id)
      )`,
  ],
  down: ['DROP TABLE activesync.sync_requests', 'DROP TABLE activesync.sent_messages'],
});
