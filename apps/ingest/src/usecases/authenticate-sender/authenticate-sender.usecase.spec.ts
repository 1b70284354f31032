import { generateKeyPairSync } from 'node:crypto';
import { fixtureZoneResolver, type FixtureZone } from '@pushmail/testing';
import { dkimSign } from 'mailauth';
import { describe, expect, it } from 'vitest';
import {
  AuthenticateSender,
  headerWithinCheckLimits,
  SENDER_CHECK_LIMITS,
  type SenderDecision,
} from './authenticate-sender.usecase.js';
import type { InboundAuthPolicy } from './inbound-auth-policy.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
const publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

// bank.example: SPF for one address, a DKIM key, p=reject. shop.example: p=quarantine.
// flaky.example: its DMARC lookup fails.
const zone: FixtureZone = {
  'bank.example': { TXT: ['v=spf1 ip4:192.0.2.10 -all'] },
  'sel1._domainkey.bank.example': { TXT: [`v=DKIM1; k=rsa; p=${publicKeyBase64}`] },
  '_dmarc.bank.example': { TXT: ['v=DMARC1; p=reject'] },
  'shop.example': { TXT: ['v=spf1 ip4:192.0.2.20 -all'] },
  '_dmarc.shop.example': { TXT: ['v=DMARC1; p=quarantine'] },
  'flaky.example': { TXT: ['v=spf1 -all'] },
  '_dmarc.flaky.example': { fail: 'ESERVFAIL' },
};

function message(from: string, subject = 'statement'): Buffer {
  return Buffer.from(
    `From: <${from}>\r\nTo: <alice@strict.test>\r\nSubject: ${subject}\r\nMessage-ID: <1@x>\r\n\r\nhello\r\n`,
  );
}

async function signed(raw: Buffer): Promise<Buffer> {
  const key = { signingDomain: 'bank.example', selector: 'sel1', privateKey: privateKeyPem };
  // The signatures come from signatureData; the options' own key fields are what the types ask for.
  const { signatures, errors } = await dkimSign(raw, { ...key, signatureData: [key] });
  expect(errors).toEqual([]);
  return Buffer.concat([Buffer.from(signatures), raw]);
}

function authenticator(
  policies: Record<string, InboundAuthPolicy> = { 'strict.test': 'reject', 'relaxed.test': 'mark' },
  resolver = fixtureZoneResolver(zone),
  timeoutMs = 5000,
): AuthenticateSender {
  return new AuthenticateSender({
    hostname: 'mx.hosted.test',
    resolver,
    policies: new Map(Object.entries(policies)),
    defaultPolicy: 'mark',
    timeoutMs,
  });
}

function check(
  useCase: AuthenticateSender,
  raw: Buffer,
  options: { clientAddress?: string; mailFrom?: string; domains?: string[] } = {},
): Promise<SenderDecision> {
  return useCase.execute({
    raw,
    mailFrom: options.mailFrom ?? 'bounces@bank.example',
    clientAddress: options.clientAddress ?? '::ffff:192.0.2.10',
    heloName: 'mail.bank.example',
    recipientDomains: options.domains ?? ['strict.test'],
  });
}

function fieldsOf(decision: SenderDecision): string {
  if (decision.action !== 'accept') throw new Error(`expected accept, got ${decision.action}`);
  return decision.fields;
}

describe(AuthenticateSender.name, () => {
  it('accepts a signed message from an authorised address with spf, dkim and dmarc passing', async () => {
    const decision = await check(authenticator(), await signed(message('news@bank.example')));

    expect(decision.verdict).toMatchObject({
      spf: 'pass',
      dkim: 'pass',
      dmarc: 'pass',
      authorDomain: 'bank.example',
    });
    const fields = fieldsOf(decision);
    expect(fields).toMatch(/^(?:Received-SPF|Authentication-Results): /);
    expect(fields).toContain('Authentication-Results: mx.hosted.test;');
    expect(fields).toMatch(/dkim=pass/);
    expect(fields).toMatch(/spf=pass/);
    expect(fields).toMatch(/dmarc=pass/);
    expect(fields.endsWith('\r\n')).toBe(true);
  });

  it('rejects a forged From of a p=reject domain for a domain whose policy is reject', async () => {
    const decision = await check(authenticator(), message('ceo@bank.example'), {
      clientAddress: '198.51.100.7',
      mailFrom: 'someone@elsewhere.example',
    });

    expect(decision).toEqual({
      action: 'reject',
      verdict: expect.objectContaining({
        dmarc: 'fail',
        dmarcPolicy: 'reject',
        authorDomain: 'bank.example',
      }),
    });
  });

  it('accepts the same forgery for a domain whose policy is mark, marked dmarc=fail', async () => {
    const decision = await check(authenticator(), message('ceo@bank.example'), {
      clientAddress: '198.51.100.7',
      mailFrom: 'someone@elsewhere.example',
      domains: ['relaxed.test'],
    });

    expect(decision.action).toBe('accept');
    expect(fieldsOf(decision)).toMatch(/dmarc=fail/);
  });

  it('applies the strictest policy among the recipients, and the default to a domain not named', async () => {
    const forged = { clientAddress: '198.51.100.7', mailFrom: 'someone@elsewhere.example' };

    const mixed = await check(authenticator(), message('ceo@bank.example'), {
      ...forged,
      domains: ['relaxed.test', 'strict.test'],
    });
    const unnamed = await check(authenticator(), message('ceo@bank.example'), {
      ...forged,
      domains: ['other.test'],
    });

    expect(mixed.action).toBe('reject');
    expect(unnamed.action).toBe('accept');
  });

  it("accepts and marks a failure when the author domain's policy is quarantine, even under reject", async () => {
    const decision = await check(authenticator(), message('orders@shop.example'), {
      clientAddress: '198.51.100.7',
      mailFrom: 'orders@shop.example',
    });

    expect(decision.verdict).toMatchObject({ dmarc: 'fail', dmarcPolicy: 'quarantine', spf: 'fail' });
    expect(fieldsOf(decision)).toMatch(/dmarc=fail/);
  });

  it('defers when the DMARC record cannot be looked up under reject, and marks temperror under mark', async () => {
    const raw = message('x@flaky.example');

    const strict = await check(authenticator(), raw, { mailFrom: 'x@flaky.example' });
    const relaxed = await check(authenticator(), raw, {
      mailFrom: 'x@flaky.example',
      domains: ['relaxed.test'],
    });

    expect(strict).toEqual({ action: 'defer', verdict: expect.objectContaining({ dmarc: 'temperror' }) });
    expect(fieldsOf(relaxed)).toMatch(/dmarc=temperror/);
  });

  it('gives up on lookups that outlast the time budget: deferred under reject, marked under mark', async () => {
    const hanging = () => new Promise<string[][]>(() => undefined);

    const strict = await check(authenticator(undefined, hanging, 50), message('news@bank.example'));
    const relaxed = await check(authenticator(undefined, hanging, 50), message('news@bank.example'), {
      domains: ['relaxed.test'],
    });

    expect(strict.action).toBe('defer');
    expect(fieldsOf(relaxed)).toBe(
      'Authentication-Results: mx.hosted.test;\r\n dmarc=temperror (timed out after 50 ms)\r\n',
    );
  });

  it('does not hand a header past its limits to the checks: refused under reject, marked permerror under mark', async () => {
    const folded = (lines: number) =>
      Buffer.from(
        `From: <ceo@bank.example>\r\nSubject: s\r\nX-Pad: a\r\n${' b\r\n'.repeat(lines)}\r\nhello\r\n`,
      );
    // 200,000 folded lines held the checks for minutes; now they are not even started.
    const huge = folded(200_000);
    const rejected = await check(authenticator(), huge, { mailFrom: 'someone@elsewhere.example' });
    expect(rejected).toEqual({ action: 'reject', verdict: expect.objectContaining({ dmarc: 'permerror' }) });
    const marked = await check(authenticator(), huge, { domains: ['relaxed.test'] });
    expect(fieldsOf(marked)).toMatch(/dmarc=permerror \(header too large to check\)/);

    expect(headerWithinCheckLimits(folded(SENDER_CHECK_LIMITS.linesPerField - 1))).toBe(true);
    expect(headerWithinCheckLimits(folded(SENDER_CHECK_LIMITS.linesPerField))).toBe(false);
    const long = Buffer.from(`${'X-A: b\r\n'.repeat(SENDER_CHECK_LIMITS.headerBytes / 8 + 1)}\r\nhi\r\n`);
    expect(headerWithinCheckLimits(long)).toBe(false);
    expect(headerWithinCheckLimits(message('ceo@bank.example'))).toBe(true);
  });

  it('keeps every line of the fields it writes a field start or a continuation', async () => {
    const hostile = Buffer.from('From: "x\r\n y" <a@bank.example>\r\nSubject: s\r\n\r\nbody\r\n');

    const fields = fieldsOf(
      await check(authenticator(), hostile, {
        clientAddress: '198.51.100.7',
        mailFrom: 'a@bank.example',
        domains: ['relaxed.test'],
      }),
    );

    for (const line of fields.replace(/\r\n$/, '').split('\r\n')) {
      expect(line).toMatch(/^(?:Authentication-Results: |Received-SPF: |[ \t])/);
    }
  });
});
