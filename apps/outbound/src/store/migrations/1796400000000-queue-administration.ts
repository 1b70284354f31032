import { defineMigration } from '@pushmail/platform';

/**
 * For the administrator's retry and cancel: whether a replica holds a delivery right now (its
 * lease), and a cancel the worker turns into a bounce at its next pass.
 */
export const QueueAdministration1796400000000 = defineMigration({
  name: 'QueueAdministration1796400000000',
  up: [
    `
      ALTER TABLE outbound.deliveries
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN cancel_requested_at timestamptz`,
  ],
  down: [`ALTER TABLE outbound.deliveries DROP COLUMN claimed_until, DROP COLUMN cancel_requested_at`],
});
