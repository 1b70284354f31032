import { randomUUID } from 'node:crypto';
import { expectEventually } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { EasPhone } from './support/eas-phone.js';
import { createAccounts, faultPlatformPerSuite, MailLoad, type Mailbox } from './support/fault-harness.js';

const ACCOUNTS = 6;
const PHONES_PER_ACCOUNT = 5;
/** Longer than the scenario: every Ping that returns does so because mail arrived, or the gateway died. */
const HEARTBEAT_SECONDS = 300;

interface EasLedger {
  sent: number;
  answered250: number;
  /** Deliveries answered 250, counted once per phone of the recipient account. */
  expected: number;
  seen: number;
  lost: number;
  doubled: number;
  parkedAtKill: number;
  /** Seconds: phones set up, the gateway away (kill to ready), phones catching up after the last 250. */
  timings: Record<string, number>;
  phones: Array<{
    phone: string;
    expected: number;
    seen: number;
    pushesAfterRestart: number;
    retried: number;
    anomalies: string[];
  }>;
}

async function parkedPings(activesyncUrl: string): Promise<number> {
  const text = await (await fetch(`${activesyncUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const match = /^pushmail_activesync_parked_pings (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

function ledgerOf(
  load: MailLoad,
  phones: EasPhone[],
  parkedAtKill: number,
  timings: Record<string, number> = {},
): EasLedger {
  const answered = load.messages.filter((message) => message.outcome === 'answered');
  const rows = phones.map((phone) => {
    const want = answered
      .filter((message) => message.recipients.some((r) => r.accountId === phone.account.accountId))
      .map((message) => message.marker);
    const seen = phone.seenMarkers();
    return {
      phone: phone.deviceId,
      expected: want.length,
      seen: want.filter((marker) => seen.has(marker)).length,
      pushesAfterRestart: phone.pushesSinceMark,
      retried: phone.failedRequests,
      anomalies: phone.anomalies.slice(0, 3),
    };
  });
  const expected = rows.reduce((total, row) => total + row.expected, 0);
  const seen = rows.reduce((total, row) => total + row.seen, 0);
  return {
    sent: load.messages.length,
    answered250: answered.length,
    expected,
    seen,
    lost: expected - seen,
    doubled: phones.reduce((total, phone) => total + phone.doubled, 0),
    parkedAtKill,
    timings,
    phones: rows,
  };
}

function printLedger(ledger: EasLedger): void {
  console.log(
    [
      '[ledger] activesync-sigkill',
      `  sent ${ledger.sent} | accepted (250) ${ledger.answered250} | deliveries to phones ${ledger.expected} | seen by phones ${ledger.seen} | lost ${ledger.lost} | doubled ${ledger.doubled}`,
      `  Pings parked when the gateway was killed: ${ledger.parkedAtKill} | seconds: ${Object.entries(
        ledger.timings,
      )
        .map(([phase, seconds]) => `${phase} ${seconds}`)
        .join(', ')}`,
      ...ledger.phones.map(
        (row) =>
          `  phone ${row.phone}: seen ${row.seen}/${row.expected} | pushes after restart ${row.pushesAfterRestart} | requests retried ${row.retried}${row.anomalies.length ? ` | ${row.anomalies.join('; ')}` : ''}`,
      ),
    ].join('\n'),
  );
}

/**
 * Phones with parked Pings while mail arrives over SMTP; the gateway is killed with SIGKILL and
 * started again. Each phone does what a real one does after a failed request: Syncs again with its
 * last SyncKey and parks a new Ping. Nothing answered 250 may be missing from a phone, nothing may
 * reach it twice.
 */
describe('ActiveSync gateway crash while phones have parked Pings', () => {
  const fault = faultPlatformPerSuite('activesync');

  it('loses and doubles nothing when the gateway is killed with SIGKILL and restarted: phones re-Sync with their last key and re-Ping', async () => {
    const { platform } = fault();
    const accounts: Mailbox[] = await createAccounts(platform, ACCOUNTS);
    const phones = accounts.flatMap((account, a) =>
      Array.from(
        { length: PHONES_PER_ACCOUNT },
        (_, p) =>
          new EasPhone(
            platform.activesyncUrl,
            account,
            `fault${a}x${p}${randomUUID().slice(0, 6)}`,
            HEARTBEAT_SECONDS,
          ),
      ),
    );
    const clock = Date.now();
    const timings: Record<string, number> = {};
    const lap = (phase: string, since: number) =>
      (timings[phase] = Math.round((Date.now() - since) / 100) / 10);
    try {
      // Phone by phone per account, the accounts side by side: each first sign-in creates a partnership.
      await Promise.all(
        accounts.map(async (account) => {
          for (const phone of phones.filter((p) => p.account === account)) await phone.start();
        }),
      );
      await expectEventually(
        async () => expect(await parkedPings(platform.activesyncUrl)).toBe(phones.length),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      lap('phones set up', clock);

      const load = new MailLoad('eas', platform, accounts);
      let parkedAtKill = 0;
      try {
        await load.flowing(20);
        // The kill must find Pings parked, mail still flowing: under load a phone spends much of its
        // time in the Sync after each push, so the kill waits for a moment when some are parked.
        parkedAtKill = await expectEventually(
          async () => {
            const parked = await parkedPings(platform.activesyncUrl);
            expect(parked).toBeGreaterThan(0);
            return parked;
          },
          { timeoutMs: 30_000, intervalMs: 20 },
        );
        const killedAt = Date.now();
        await platform.stopService('activesync', 'SIGKILL');
        await load.flowing(8);
        await platform.startService('activesync');
        lap('gateway away', killedAt);
        for (const phone of phones) phone.markRestart();
        await load.flowing(25);
      } finally {
        await load.stop();
      }
      const lastAnswer = Date.now();

      // Phones learn of the rest through their own Pings and Syncs, nothing else.
      await expectEventually(
        () => {
          const ledger = ledgerOf(load, phones, parkedAtKill);
          expect(ledger.seen).toBe(ledger.expected);
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      ).catch(() => undefined);
      lap('catching up', lastAnswer);
      lap('scenario', clock);
      const ledger = ledgerOf(load, phones, parkedAtKill, timings);
      printLedger(ledger);

      expect(ledger.answered250).toBeGreaterThan(50);
      expect(ledger.parkedAtKill).toBeGreaterThan(0);
      expect(ledger.lost).toBe(0);
      expect(ledger.doubled).toBe(0);
      expect(phones.flatMap((phone) => phone.anomalies.map((a) => `${phone.deviceId}: ${a}`))).toEqual([]);
      for (const row of ledger.phones) {
        expect(row.retried, `${row.phone} saw the gateway go away`).toBeGreaterThanOrEqual(1);
        expect(row.pushesAfterRestart, `${row.phone} was pushed to after the restart`).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all(phones.map((phone) => phone.stop()));
    }
  });
});
