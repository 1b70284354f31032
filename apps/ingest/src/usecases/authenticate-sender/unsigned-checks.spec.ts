import { generateKeyPairSync } from 'node:crypto';
import { fixtureZoneResolver, type FixtureZone } from '@pushmail/testing';
import { authenticate, dkimSign, sealMessage, type AuthenticateResult } from 'mailauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkUnsigned, headerEnd, unsignedHeader, type SenderCheckResult } from './unsigned-checks.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
const keyRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

// bank.example: SPF for one address, a DKIM key, p=reject (its subdomains inherit it).
// soft.example: ~all, p=quarantine. perm.example: a broken SPF record, ?all. none.example: nothing.
// flaky.example: its SPF and DMARC lookups fail.
const zone: FixtureZone = {
  'bank.example': { TXT: ['v=spf1 ip4:192.0.2.10 -all'] },
  'mail.bank.example': { TXT: ['v=spf1 ip4:192.0.2.10 -all'], A: ['192.0.2.10'] },
  'sel1._domainkey.bank.example': { TXT: [keyRecord] },
  'arc1._domainkey.relay.example': { TXT: [keyRecord] },
  '_dmarc.bank.example': { TXT: ['v=DMARC1; p=reject'] },
  'soft.example': { TXT: ['v=spf1 ip4:192.0.2.20 ~all'] },
  '_dmarc.soft.example': { TXT: ['v=DMARC1; p=quarantine; adkim=s'] },
  'perm.example': { TXT: ['v=spf1 ip4:192.0.2.300 include: ?all'] },
  'neutral.example': { TXT: ['v=spf1 ?all'] },
  '_dmarc.neutral.example': { TXT: ['v=DMARC1; p=none; aspf=s'] },
  'flaky.example': { fail: 'ESERVFAIL' },
  '_dmarc.flaky.example': { fail: 'ESERVFAIL' },
};
const resolver = fixtureZoneResolver(zone);

interface Envelope {
  name: string;
  ip: string;
  mailFrom: string;
  helo: string | undefined;
  /** The From address the messages carry. */
  author: string;
}

const envelopes: Envelope[] = [
  {
    name: 'spf pass, dmarc pass',
    ip: '192.0.2.10',
    mailFrom: 'bounces@bank.example',
    helo: 'mail.bank.example',
    author: 'news@bank.example',
  },
  {
    name: 'spf fail, forged From',
    ip: '198.51.100.7',
    mailFrom: 'someone@bank.example',
    helo: 'mail.example',
    author: 'ceo@bank.example',
  },
  {
    name: 'spf pass, From of another domain',
    ip: '192.0.2.10',
    mailFrom: 'b@bank.example',
    helo: 'mail.bank.example',
    author: 'x@soft.example',
  },
  {
    name: 'spf softfail',
    ip: '198.51.100.7',
    mailFrom: 'orders@soft.example',
    helo: 'mx.soft.example',
    author: 'orders@soft.example',
  },
  {
    name: 'spf none, no dmarc',
    ip: '203.0.113.5',
    mailFrom: 'a@none.example',
    helo: 'none.example',
    author: 'a@none.example',
  },
  {
    name: 'spf permerror',
    ip: '203.0.113.5',
    mailFrom: 'a@perm.example',
    helo: 'perm.example',
    author: 'a@perm.example',
  },
  {
    name: 'spf neutral, strict spf alignment',
    ip: '203.0.113.5',
    mailFrom: 'a@neutral.example',
    helo: 'x',
    author: 'a@neutral.example',
  },
  {
    name: 'spf and dmarc temperror',
    ip: '203.0.113.5',
    mailFrom: 'a@flaky.example',
    helo: 'flaky.example',
    author: 'a@flaky.example',
  },
  {
    name: 'bounce (empty MAIL FROM)',
    ip: '192.0.2.10',
    mailFrom: '',
    helo: 'mail.bank.example',
    author: 'mailer-daemon@bank.example',
  },
  {
    name: 'no HELO, IPv6 client',
    ip: '2001:db8::1',
    mailFrom: 'a@bank.example',
    helo: undefined,
    author: 'a@bank.example',
  },
  { name: 'no HELO, bounce', ip: '192.0.2.10', mailFrom: '', helo: undefined, author: 'a@bank.example' },
  {
    name: 'From of a subdomain',
    ip: '192.0.2.10',
    mailFrom: 'a@bank.example',
    helo: 'mail.bank.example',
    author: 'a@mail.bank.example',
  },
];

const rest = 'To: <alice@hosted.test>\r\nSubject: statement\r\nMessage-ID: <1@x>\r\n';
const domainOf = (address: string) => address.split('@')[1] ?? '';

async function signed(raw: string): Promise<string> {
  const key = { signingDomain: 'bank.example', selector: 'sel1', privateKey: privateKeyPem };
  const { signatures, errors } = await dkimSign(Buffer.from(raw), { ...key, signatureData: [key] });
  expect(errors).toEqual([]);
  return signatures + raw;
}

/** A message of each shape, From `author`; `fast` says whether its header lets the checks skip DKIM. */
const shapes: Record<string, { fast: boolean; raw: (author: string) => string | Promise<string> }> = {
  plain: { fast: true, raw: (a) => `From: <${a}>\r\n${rest}\r\nhello\r\n` },
  'display name with a comma': {
    fast: true,
    raw: (a) => `From: "News, Team" <${a}>\r\n${rest}\r\nhello\r\n`,
  },
  'folded From': { fast: true, raw: (a) => `${rest}From: "News"\r\n\t<${a}>\r\n\r\nhello\r\n` },
  'fold between name and colon': { fast: true, raw: (a) => `From\r\n : <${a}>\r\n${rest}\r\nhello\r\n` },
  'lower-case from, space before the colon': {
    fast: true,
    raw: (a) => `from : ${a}\r\n${rest}\r\nhello\r\n`,
  },
  'two From fields': { fast: true, raw: (a) => `From: <${a}>\r\n${rest}From: <${a}>\r\n\r\nhello\r\n` },
  'two From fields, two domains': {
    fast: true,
    raw: (a) => `From: <${a}>\r\nFROM: <x@none.example>\r\n${rest}\r\nhi\r\n`,
  },
  'two mailboxes, one domain': {
    fast: true,
    raw: (a) => `From: <${a}>, <other@${domainOf(a)}>\r\n${rest}\r\nhi\r\n`,
  },
  'two mailboxes, two domains': {
    fast: true,
    raw: (a) => `From: <${a}>, <x@none.example>\r\n${rest}\r\nhi\r\n`,
  },
  'a group': { fast: true, raw: (a) => `From: Team: <${a}>, b@${domainOf(a)};\r\n${rest}\r\nhi\r\n` },
  'no From': { fast: true, raw: () => `${rest}\r\nhello\r\n` },
  'empty From': { fast: true, raw: () => `From:\r\n${rest}\r\nhello\r\n` },
  'From without an address': {
    fast: true,
    raw: () => `From: undisclosed recipients\r\n${rest}\r\nhello\r\n`,
  },
  'a line that is no field, after From': {
    fast: true,
    raw: (a) => `From: <${a}>\r\nnot a field\r\n${rest}\r\nhi\r\n`,
  },
  'bare LF line ends': { fast: true, raw: (a) => `From: <${a}>\n${rest.replaceAll('\r\n', '\n')}\nhello\n` },
  'mixed line ends around the empty line': {
    fast: true,
    raw: (a) => `From: <${a}>\n\r\nFrom: <x@none.example>\r\n`,
  },
  'a line of a lone CR in the header': {
    fast: true,
    raw: (a) => `Subject: s\r\n\r\r\nFrom: <${a}>\r\n\r\nhi\r\n`,
  },
  'header only, no empty line': { fast: true, raw: (a) => `${rest}From: <${a}>\r\n` },
  'no line end at all': { fast: true, raw: (a) => `From: <${a}>` },
  'empty header, bare LF': { fast: true, raw: (a) => `\nFrom: <${a}>\r\n\r\nhi\r\n` },
  'empty header': { fast: true, raw: (a) => `\r\nFrom: <${a}>\r\nDKIM-Signature: v=1; d=bank.example\r\n` },
  'From and signatures in the body only': {
    fast: true,
    raw: (a) =>
      `From: <${a}>\r\n${rest}\r\nFrom: <ceo@soft.example>\r\nDKIM-Signature: v=1\r\nARC-Seal: i=1\r\n`,
  },
  'fields that only look like signatures': {
    fast: true,
    raw: (a) => `X-DKIM-Signature: v=1\r\nX-ARC-Seal: i=1\r\nFrom: <${a}>\r\n${rest}\r\nhi\r\n`,
  },
  'UTF-8 display name and an IDN domain': {
    fast: true,
    raw: (a) => `From: Jörg =?UTF-8?Q?M=C3=BCller?= <${a}>, <jörg@bücher.example>\r\n${rest}\r\nhi\r\n`,
  },
  'DKIM-signed': { fast: false, raw: (a) => signed(`From: <${a}>\r\n${rest}\r\nhello\r\n`) },
  'DKIM-signed, field name in lower case': {
    fast: false,
    raw: async (a) =>
      (await signed(`From: <${a}>\r\n${rest}\r\nhello\r\n`)).replace(/^DKIM-Signature:/, 'dkim-signature:'),
  },
  'DKIM-signed, body changed': {
    fast: false,
    raw: async (a) =>
      (await signed(`From: <${a}>\r\n${rest}\r\nhello\r\n`)).replace(/hello\r\n$/, 'hullo\r\n'),
  },
  'DKIM-signed, broken signature field': {
    fast: false,
    raw: (a) => `DKIM-Signature: v=1; a=x\r\nFrom: <${a}>\r\n${rest}\r\nhi\r\n`,
  },
  'ARC-sealed': {
    fast: false,
    raw: async (a) => {
      const raw = `From: <${a}>\r\n${rest}\r\nhello\r\n`;
      const seal = {
        signingDomain: 'relay.example',
        selector: 'arc1',
        privateKey: privateKeyPem,
        cv: 'none',
      };
      return (await sealMessage(Buffer.from(raw), seal)).toString() + raw;
    },
  },
  // The parser joins these lines into one field named DKIM-Signature.
  'a signature field name broken over lines': {
    fast: false,
    raw: (a) =>
      `DKIM-Sig\r\nnature\r\n \r\n: v=1; a=rsa-sha256; d=bank.example\r\nFrom: <${a}>\r\n${rest}\r\nhi\r\n`,
  },
  'an ARC field alone': {
    fast: false,
    raw: (a) =>
      `ARC-Authentication-Results: i=1; mx.relay.example; spf=pass\r\nFrom: <${a}>\r\n${rest}\r\nhi\r\n`,
  },
};

const HOSTNAME = 'mx.hosted.test';

/** What the sender checks read from a result, and everything the checks it ran report. */
function summary(result: SenderCheckResult | AuthenticateResult) {
  return {
    headers: result.headers,
    spf: result.spf,
    dkim: (result.dkim.results ?? []).map(({ status }) => status.result),
    dmarc: result.dmarc,
    arc: result.arc,
  };
}

interface Case {
  name: string;
  raw: Buffer;
  fast: boolean;
  envelope: Envelope;
}

describe('the sender checks of an unsigned message', () => {
  const cases: Case[] = [];

  beforeAll(async () => {
    for (const envelope of envelopes) {
      for (const [shape, { fast, raw }] of Object.entries(shapes)) {
        cases.push({
          name: `${shape}; ${envelope.name}`,
          raw: Buffer.from(await raw(envelope.author)),
          fast,
          envelope,
        });
      }
    }
  });

  it('give the fields and results of the full checks on every message of the corpus, and skip DKIM only without signatures', async () => {
    expect(cases.length).toBe(envelopes.length * Object.keys(shapes).length);
    const verdicts = new Set<string>();
    for (const { name, raw, fast, envelope } of cases) {
      const options = {
        ip: envelope.ip,
        helo: envelope.helo,
        sender: envelope.mailFrom,
        mta: HOSTNAME,
        resolver,
      };
      const full = await authenticate(raw, { ...options, disableBimi: true });
      const header = unsignedHeader(raw);

      expect(header !== undefined, name).toBe(fast);
      if (!header) continue;
      expect(summary(await checkUnsigned(header, options)), name).toEqual(summary(full));
      const dmarc = full.dmarc ? full.dmarc.status.result : 'none';
      verdicts.add(`spf=${full.spf ? full.spf.status.result : 'none'} dmarc=${dmarc}`);
    }
    // The corpus reaches every SPF result and every DMARC result.
    for (const result of ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror']) {
      expect([...verdicts].some((verdict) => verdict.startsWith(`spf=${result} `))).toBe(true);
    }
    for (const result of ['pass', 'fail', 'none', 'temperror']) {
      expect([...verdicts].some((verdict) => verdict.endsWith(` dmarc=${result}`))).toBe(true);
    }
  });

  it('use the authserv-id and the HELO name as the full checks do', async () => {
    const raw = Buffer.from(`From: <a@bank.example>\r\n${rest}\r\nhi\r\n`);
    const header = unsignedHeader(raw)!;
    for (const options of [
      { ip: '192.0.2.10', helo: '192.0.2.10', sender: 'a@bank.example', mta: 'mx with space', resolver },
      { ip: '192.0.2.10', helo: undefined, sender: 'a@bank.example', mta: 'MX.Hosted.Test', resolver },
      { ip: '', helo: undefined, sender: '', mta: HOSTNAME, resolver },
      { ip: '192.0.2.10', helo: 'mail.bank.example', sender: 'a@bank.example', mta: '', resolver },
    ]) {
      const full = await authenticate(raw, { ...options, disableBimi: true });
      expect(summary(await checkUnsigned(header, options))).toEqual(summary(full));
    }
  });

  it('find the end of the header where the checks find it', () => {
    const end = (text: string) => headerEnd(Buffer.from(text));
    expect(end('A: b\r\n\r\nbody')).toBe(8);
    expect(end('A: b\n\nbody')).toBe(6);
    expect(end('A: b\n\r\nbody')).toBe(7);
    expect(end('A: b\r\n\nbody')).toBe(7);
    expect(end('\r\nA: b\r\n')).toBe(2);
    expect(end('\nA: b\r\n')).toBe(1);
    expect(end('A: b\r\n\r\r\nC: d\r\n\r\n')).toBe(17);
    expect(end('A: b\r\nC: d\r\n')).toBe(12);
  });
});
