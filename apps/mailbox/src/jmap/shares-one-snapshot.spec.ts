import { CORE_CAPABILITY, type Invocation, MAIL_CAPABILITY } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { sharesOneSnapshot } from './jmap.service.js';

const request = (...names: string[]) => ({
  using: [CORE_CAPABILITY, MAIL_CAPABILITY],
  methodCalls: names.map((name, index): Invocation => [name, {}, `c${index}`]),
});

describe(sharesOneSnapshot.name, () => {
  it('shares one snapshot among two or more reads of the store', () => {
    expect(sharesOneSnapshot(request('Email/changes', 'Email/get'))).toBe(true);
    expect(sharesOneSnapshot(request('Mailbox/get', 'Core/echo', 'Thread/get', 'Email/query'))).toBe(true);
  });

  it('leaves a single read, or none, to its own transaction', () => {
    expect(sharesOneSnapshot(request('Email/get'))).toBe(false);
    expect(sharesOneSnapshot(request('Email/get', 'Core/echo'))).toBe(false);
    expect(sharesOneSnapshot(request('Core/echo', 'Core/echo'))).toBe(false);
  });

  it('never shares one with a method that writes or reads outside a snapshot', () => {
    for (const other of ['Email/set', 'Email/import', 'Email/parse', 'Identity/get', 'EmailSubmission/set']) {
      expect(sharesOneSnapshot(request('Email/changes', 'Email/get', other))).toBe(false);
    }
  });
});
