import { describe, expect, it } from 'vitest';
import { envelopeOf, type EmailHeaderAddresses } from './envelope.js';

const alice = 'alice@example.com';
const email = (overrides: Partial<EmailHeaderAddresses> = {}): EmailHeaderAddresses => ({
  from: [{ name: 'Alice', email: alice }],
  sender: null,
  to: [{ name: null, email: 'bob@elsewhere.example' }],
  cc: [{ name: null, email: 'Bob@elsewhere.example' }],
  bcc: [{ name: null, email: 'carol@example.com' }],
  ...overrides,
});
const limits = { maxRecipients: 3 };

describe(envelopeOf.name, () => {
  it('derives MAIL FROM from From and RCPT TO from To, Cc and Bcc, each address once', () => {
    const result = envelopeOf(undefined, email(), alice, limits);
    expect(result).toEqual({
      ok: true,
      envelope: {
        mailFrom: { email: alice, parameters: null },
        rcptTo: [
          { email: 'bob@elsewhere.example', parameters: null },
          { email: 'carol@example.com', parameters: null },
        ],
      },
    });
  });

  it("refuses an email whose From is not the identity's address", () => {
    const result = envelopeOf(
      undefined,
      email({ from: [{ name: null, email: 'ceo@example.com' }] }),
      alice,
      limits,
    );
    expect(result).toMatchObject({ ok: false, error: { type: 'forbiddenFrom' } });
  });

  it("refuses a given MAIL FROM that is not the identity's address", () => {
    const given = { mailFrom: { email: 'ceo@example.com' }, rcptTo: [{ email: 'bob@elsewhere.example' }] };
    expect(envelopeOf(given, email(), alice, limits)).toMatchObject({
      ok: false,
      error: { type: 'forbiddenMailFrom' },
    });
  });

  it('answers noRecipients, tooManyRecipients and invalidRecipients', () => {
    expect(envelopeOf(undefined, email({ to: null, cc: null, bcc: null }), alice, limits)).toMatchObject({
      ok: false,
      error: { type: 'noRecipients' },
    });
    const many = {
      mailFrom: { email: alice },
      rcptTo: ['a', 'b', 'c', 'd'].map((l) => ({ email: `${l}@x.example` })),
    };
    expect(envelopeOf(many, email(), alice, limits)).toMatchObject({
      ok: false,
      error: { type: 'tooManyRecipients', maxRecipients: 3 },
    });
    const injected = {
      mailFrom: { email: alice },
      rcptTo: [{ email: 'bob@elsewhere.example>\r\nRCPT TO:<eve@evil.example' }, { email: 'ok@x.example' }],
    };
    expect(envelopeOf(injected, email(), alice, limits)).toMatchObject({
      ok: false,
      error: {
        type: 'invalidRecipients',
        invalidRecipients: ['bob@elsewhere.example>\r\nRCPT TO:<eve@evil.example'],
      },
    });
  });

  it('refuses SMTP parameters, which it does not support', () => {
    const given = {
      mailFrom: { email: alice, parameters: { SMTPUTF8: null } },
      rcptTo: [{ email: 'b@x.example' }],
    };
    expect(envelopeOf(given, email(), alice, limits)).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['envelope'] },
    });
  });

  it("takes FUTURERELEASE's HOLDFOR or HOLDUNTIL on MAIL FROM, in any case, and no other parameter there or on RCPT TO", () => {
    const given = (parameters: unknown, rcptParameters: unknown = null) => ({
      mailFrom: { email: alice, parameters },
      rcptTo: [{ email: 'b@x.example', parameters: rcptParameters }],
    });
    expect(envelopeOf(given({ holdFor: '600' }), email(), alice, limits)).toMatchObject({
      ok: true,
      envelope: { mailFrom: { email: alice, parameters: { HOLDFOR: '600' } } },
    });
    expect(envelopeOf(given({}), email(), alice, limits)).toMatchObject({
      ok: true,
      envelope: { mailFrom: { parameters: null } },
    });
    for (const refused of [
      given({ HOLDFOR: '600', SIZE: '10' }),
      given({ HOLDFOR: 600 }),
      given({ HOLDFOR: '1', holdfor: '2' }),
      given(['HOLDFOR']),
      given({ HOLDFOR: '600' }, { NOTIFY: 'NEVER' }),
    ]) {
      expect(envelopeOf(refused, email(), alice, limits)).toMatchObject({
        ok: false,
        error: { type: 'invalidProperties', properties: ['envelope'] },
      });
    }
  });
});
