import { defineMigration } from '@pushmail/platform';

/**
 * The device diagnostic trail, in operations' own schema: bounded by retention and a per-device
 * cap, pruned by the service. It starts empty; the trail consumers fill it from the topics.
 */
export const CreateOperationsTrail1796083200000 = defineMigration({
  name: 'CreateOperationsTrail1796083200000',
  up: [
    `
      CREATE TABLE operations.device_trail (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id varchar(128),
        kind varchar(32) NOT NULL,
        at timestamptz NOT NULL,
        data jsonb NOT NULL,
        source varchar(200) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`,
    'CREATE INDEX device_trail_device_idx ON operations.device_trail (account_id, device_id, at DESC)',
    'CREATE INDEX device_trail_at_idx ON operations.device_trail (at)',
  ],
  down: ['DROP TABLE operations.device_trail'],
});
