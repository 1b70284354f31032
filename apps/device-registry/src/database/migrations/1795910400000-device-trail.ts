import { defineMigration } from '@pushmail/platform';

/** The device diagnostic trail: bounded by retention and a per-device cap, pruned by the service. */
export const DeviceTrail1795910400000 = defineMigration({
  name: 'DeviceTrail1795910400000',
  up: [
    `
      CREATE TABLE registry.device_trail (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        device_id varchar(128),
        kind varchar(32) NOT NULL,
        at timestamptz NOT NULL,
        data jsonb NOT NULL,
        source varchar(200) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX device_trail_device_idx ON registry.device_trail (account_id, device_id, at DESC)`,
    `CREATE INDEX device_trail_at_idx ON registry.device_trail (at)`,
  ],
  down: [`DROP TABLE registry.device_trail`],
});
