import { describe, expect, it } from 'vitest';
import { applyEmailPatch, readSet } from './email-patch.js';

const email = { keywords: { $seen: true }, mailboxIds: { inbox: true } };

describe(applyEmailPatch.name, () => {
  it('sets and removes single keywords by path, folding their case', () => {
    expect(applyEmailPatch(email, { 'keywords/$Flagged': true, 'keywords/$seen': null })).toEqual({
      ok: true,
      email: { keywords: { $flagged: true }, mailboxIds: { inbox: true } },
    });
  });

  it('takes false as removal', () => {
    expect(applyEmailPatch(email, { 'keywords/$seen': false })).toMatchObject({
      ok: true,
      email: { keywords: {} },
    });
  });

  it('moves an email by patching mailboxIds, and replaces whole sets', () => {
    expect(applyEmailPatch(email, { 'mailboxIds/inbox': null, 'mailboxIds/archive': true })).toMatchObject({
      ok: true,
      email: { mailboxIds: { archive: true } },
    });
    expect(applyEmailPatch(email, { keywords: { $Draft: true }, mailboxIds: { drafts: true } })).toEqual({
      ok: true,
      email: { keywords: { $draft: true }, mailboxIds: { drafts: true } },
    });
  });

  it('resolves creation ids of mailboxes created earlier in the request', () => {
    const resolve = (id: string) => (id === '#new' ? 'Fcreated' : id.startsWith('#') ? undefined : id);
    expect(applyEmailPatch(email, { 'mailboxIds/#new': true }, resolve)).toMatchObject({
      ok: true,
      email: { mailboxIds: { inbox: true, Fcreated: true } },
    });
    expect(applyEmailPatch(email, { 'mailboxIds/#unknown': true }, resolve)).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['mailboxIds'] },
    });
  });

  it('unescapes JSON Pointer tokens in paths', () => {
    expect(applyEmailPatch(email, { 'keywords/a~1b~0c': true })).toMatchObject({
      ok: true,
      email: { keywords: { $seen: true, 'a/b~c': true } },
    });
  });

  it('refuses immutable properties, bad values and an email in no mailbox', () => {
    expect(applyEmailPatch(email, { subject: 'x', 'keywords/$seen': true })).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['subject'] },
    });
    expect(applyEmailPatch(email, { 'keywords/$seen': 'yes' })).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['keywords'] },
    });
    expect(applyEmailPatch(email, { 'keywords/bad(kw)': true })).toMatchObject({ ok: false });
    expect(applyEmailPatch(email, { 'mailboxIds/inbox': null })).toMatchObject({
      ok: false,
      error: { type: 'invalidProperties', properties: ['mailboxIds'] },
    });
  });

  it('answers invalidPatch for a path inside a property the same patch replaces, or a broken path', () => {
    expect(applyEmailPatch(email, { keywords: {}, 'keywords/$seen': true })).toMatchObject({
      ok: false,
      error: { type: 'invalidPatch' },
    });
    expect(applyEmailPatch(email, { 'keywords/a/b': true })).toMatchObject({
      ok: false,
      error: { type: 'invalidPatch' },
    });
    expect(applyEmailPatch(email, { 'keywords/a~2': true })).toMatchObject({
      ok: false,
      error: { type: 'invalidPatch' },
    });
    expect(applyEmailPatch(email, 'not an object')).toMatchObject({
      ok: false,
      error: { type: 'invalidPatch' },
    });
  });

  it('leaves the current email untouched', () => {
    applyEmailPatch(email, { 'keywords/$flagged': true });
    expect(email).toEqual({ keywords: { $seen: true }, mailboxIds: { inbox: true } });
  });
});

describe(readSet.name, () => {
  it('accepts only objects whose values are true', () => {
    expect(readSet('keywords', { $Seen: true })).toEqual({ $seen: true });
    expect(readSet('keywords', { $seen: false })).toBeNull();
    expect(readSet('mailboxIds', ['inbox'])).toBeNull();
  });
});
