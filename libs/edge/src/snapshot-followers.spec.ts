import { credentialsSnapshot } from '@pushmail/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SnapshotFollowers } from './snapshot-followers.js';

const accountId = '3d1d3c5e-8f0b-4c39-9b7e-2a7d4c1e9f00';
const silent = pino({ level: 'silent' });

describe(SnapshotFollowers.name, () => {
  it("lets a caller waiting for a revision go on only after every listener has seen the account's snapshot", async () => {
    const followers = new SnapshotFollowers(silent, () => undefined);
    const seen: string[] = [];
    followers.onAccountChanged((account, snapshot) => seen.push(`${account}@${snapshot?.revision}`));
    const waited = followers
      .waitForRevision(accountId, 2, 5000)
      .then((reached) => ({ reached, seen: [...seen] }));

    followers.applied(accountId, credentialsSnapshot(accountId, [], { revision: 2 }));
    await expect(waited).resolves.toEqual({ reached: true, seen: [`${accountId}@2`] });
  });

  it('logs a listener that throws and still tells the others', () => {
    const errors: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const followers = new SnapshotFollowers(log, () => undefined);
    const told: string[] = [];
    followers.onAccountChanged(() => {
      throw new Error('listener broke');
    });
    followers.onAccountChanged((account) => told.push(account));

    followers.applied(accountId, undefined);
    expect(told).toEqual([accountId]);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ accountId, msg: 'a credentials listener failed' });
  });

  it('releases no waiter for an account that is gone', async () => {
    const followers = new SnapshotFollowers(silent, () => undefined);
    const waited = followers.waitForRevision(accountId, 1, 50);
    followers.applied(accountId, undefined);
    await expect(waited).resolves.toBe(false);
  });
});
