import { describe, expect, it } from 'vitest';
import { MAX_MAILBOX_NAME_BYTES, mailboxName } from './mailbox-name.js';

describe(mailboxName.name, () => {
  it('keeps an ordinary name as it is', () => {
    expect(mailboxName('Receipts 2026')).toBe('Receipts 2026');
    expect(mailboxName('Reçus — été')).toBe('Reçus — été');
  });

  it('refuses NUL, every other control character and the line separators', () => {
    for (const character of [
      '\u0000',
      '\t',
      '\n',
      '\r',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u009f',
      '\u2028',
      '\u2029',
    ]) {
      expect(mailboxName(`a${character}b`), JSON.stringify(character)).toBeNull();
    }
  });

  it('refuses a lone surrogate, an empty or blank name and what is not a string', () => {
    for (const value of ['a\ud800b', '\udc00', '', '   ', 42, null, undefined, ['Inbox']]) {
      expect(mailboxName(value), JSON.stringify(value)).toBeNull();
    }
  });

  it('stores names in NFC so that both spellings of one name are the same name', () => {
    expect(mailboxName('e\u0301te\u0301')).toBe('\u00e9t\u00e9');
  });

  it('counts the limit in UTF-8 octets', () => {
    expect(mailboxName('a'.repeat(MAX_MAILBOX_NAME_BYTES))).not.toBeNull();
    expect(mailboxName('é'.repeat(128))).toBeNull();
  });
});
