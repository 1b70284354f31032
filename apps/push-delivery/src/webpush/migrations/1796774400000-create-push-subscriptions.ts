import { defineMigration } from '@pushmail/platform';

/**
 * Web Push subscriptions (RFC 8620 §7.2), in a store every replica sees: any replica may push a
 * change, and `last_pushed_state` lets exactly one of them send each state.
 */
export const CreatePushSubscriptions1796774400000 = defineMigration({
  name: 'CreatePushSubscriptions1796774400000',
  up: [
    `
      CREATE TABLE push.subscriptions (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL,
        device_client_id varchar(255) NOT NULL,
        url varchar(2048) NOT NULL,
        p256dh varchar(128),
        auth varchar(64),
        verification_code varchar(64) NOT NULL,
        verified boolean NOT NULL DEFAULT false,
        expires timestamptz NOT NULL,
        types text[],
        last_pushed_state bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    'CREATE INDEX subscriptions_account ON push.subscriptions (account_id)',
  ],
  down: ['DROP TABLE push.subscriptions'],
});
