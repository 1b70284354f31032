import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { expectEventually, fixtureZoneResolver, type FixtureZone } from '@pushmail/testing';
import { dkimSign, dkimVerify } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DkimKey, DkimKeys } from '../../dkim/dkim-keys.service.js';
import { type OutboundTestApp, OutboundTestBed } from '../../testing/outbound-harness.js';
import type { DomainDkim } from './dto/domain-dkim.dto.js';
import { RotateDkimKey } from './rotate-dkim-key.usecase.js';

const hosted = `rotate-${randomBytes(4).toString('hex')}.test`;
const adminToken = randomBytes(24).toString('hex');
const ROTATION_DELAY_MS = 1500;

async function signedBy(key: DkimKey, subject: string): Promise<Buffer> {
  const raw = Buffer.from(
    `From: <news@${hosted}>\r\nTo: <a@remote.example>\r\nSubject: ${subject}\r\n\r\nhello\r\n`,
  );
  const signer = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey };
  const { signatures } = await dkimSign(raw, { ...signer, signatureData: [signer] });
  return Buffer.concat([Buffer.from(signatures), raw]);
}

/** What a remote verifier says of `message` when DNS holds the records `shown` tells to publish. */
async function verifiedAgainst(shown: DomainDkim, message: Buffer): Promise<string[]> {
  const zone: FixtureZone = Object.fromEntries(
    shown.keys.map((key) => [key.record.name, { TXT: [key.record.value] }]),
  );
  const { results } = await dkimVerify(message, { resolver: fixtureZoneResolver(zone) });
  return results.map((result) => result.status.result);
}

describe(RotateDkimKey.name, () => {
  let bed: OutboundTestBed;
  let outbound: OutboundTestApp;

  const admin = (path: string, init: RequestInit = {}, token = adminToken) =>
    fetch(`${outbound.baseUrl}/admin/domains/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });

  beforeAll(async () => {
    bed = await OutboundTestBed.prepare();
    outbound = await bed.startApp({
      MAIL_DOMAINS: hosted,
      ADMIN_TOKEN: adminToken,
      DKIM_ROTATION_DELAY_MS: String(ROTATION_DELAY_MS),
    });
  });

  afterAll(() => bed?.close());

  it('rotates to a new selector that signs after the delay, while the old record stays to publish and verify', async () => {
    const keys = outbound.app.get(DkimKeys);
    const first = keys.signingKeyFor(`news@${hosted}`)!;
    const signedBefore = await signedBy(first, 'before');

    const before = (await (await admin(`${hosted}/dkim`)).json()) as DomainDkim;
    const rotated = await admin(`${hosted}/dkim/rotate`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    const after = (await rotated.json()) as DomainDkim;

    expect(before.keys.map((key) => [key.selector, key.state, key.publishUntil])).toEqual([
      [first.selector, 'signing', null],
    ]);
    expect(after.keys.map((key) => key.state)).toEqual(['signing', 'next']);
    const [old, next] = after.keys as [DomainDkim['keys'][number], DomainDkim['keys'][number]];
    expect(next.selector).not.toBe(old.selector);
    expect(next.record.name).toBe(`${next.selector}._domainkey.${hosted}`);
    expect(next.record.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(old.retiredAt).toBe(next.activeFrom);
    expect(Date.parse(old.publishUntil!)).toBeGreaterThan(Date.parse(old.retiredAt!));
    // Until the delay is over, the old key signs: the new record may not be in DNS yet.
    expect(keys.signingKeyFor(`news@${hosted}`)!.selector).toBe(first.selector);

    const second = await expectEventually(
      () => {
        const signing = keys.signingKeyFor(`news@${hosted}`)!;
        expect(signing.selector).toBe(next.selector);
        return signing;
      },
      { timeoutMs: ROTATION_DELAY_MS + 5000 },
    );
    const shown = (await (await admin(`${hosted}/dkim`)).json()) as DomainDkim;
    expect(shown.keys.map((key) => [key.selector, key.state])).toEqual([
      [first.selector, 'retired'],
      [next.selector, 'signing'],
    ]);
    expect(await verifiedAgainst(shown, signedBefore)).toEqual(['pass']);
    expect(await verifiedAgainst(shown, await signedBy(second, 'after'))).toEqual(['pass']);
  });

  it('refuses a second rotation while one is pending, with 409', async () => {
    const first = await admin(`${hosted}/dkim/rotate`, { method: 'POST' });
    const second = await admin(`${hosted}/dkim/rotate`, { method: 'POST' });

    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: 'rotation_pending' });
  });

  it('shows the keys and the zone-file records to publish with `npm run admin -- domains dkim <domain>`', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['tools/admin/cli.ts', 'domains', 'dkim', ...args], {
        env: { ...process.env, PUSHMAIL_ADMIN_URL: outbound.baseUrl, PUSHMAIL_ADMIN_TOKEN: adminToken },
      });
    // Once the rotation the previous case started has taken effect, the states hold for days: the
    // CLI, slower to start than the rotation delay on a busy machine, shows the same ones.
    const shown = await expectEventually(
      async () => {
        const dkim = (await (await admin(`${hosted}/dkim`)).json()) as DomainDkim;
        expect(dkim.keys.map((key) => key.state)).not.toContain('next');
        return dkim;
      },
      { timeoutMs: 15_000 },
    );

    const { stdout } = await cli(hosted);
    const refused = await cli('elsewhere.example', 'show').catch(
      (error: { code: number; stderr: string }) => error,
    );

    expect(stdout).toMatch(/^STATE\s+SELECTOR\s+WHEN\n/);
    for (const key of shown.keys) {
      expect(stdout).toMatch(new RegExp(`^${key.state}\\s+${key.selector}\\s+`, 'm'));
      // The value split into TXT strings of at most 255 characters, joined again, is the record.
      const line = stdout.split('\n').find((text) => text.startsWith(`${key.record.name}. IN TXT ( "`))!;
      const strings = [...line.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
      expect(strings.every((part) => part.length <= 255)).toBe(true);
      expect(strings.join('')).toBe(key.record.value);
    }
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^admin: HTTP 404: .*not a domain hosted here/),
    });
  });

  it('answers 404 for a domain not hosted here, 400 for a malformed one and 401 without the admin token', async () => {
    expect((await admin('elsewhere.example/dkim')).status).toBe(404);
    expect((await admin('bad%20domain/dkim')).status).toBe(400);
    expect((await admin(`${hosted}/dkim`, {}, 'wrong-token-wrong-token-wrong')).status).toBe(401);
  });
});
