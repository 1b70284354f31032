import { describe, expect, it } from 'vitest';
import { headerFromAddress } from './header-from.js';

const message = (head: string) => Buffer.from(`${head}\r\n\r\nFrom: body@not-this.example\r\n`);

describe(headerFromAddress.name, () => {
  it('reads the address of a From field with a display name, folded or not', () => {
    expect(headerFromAddress(message('Subject: x\r\nFrom: Alice <Alice@Example.COM>'))).toBe(
      'alice@example.com',
    );
    expect(headerFromAddress(message('FROM:\r\n  "Alice, A." \r\n <alice@example.com>'))).toBe(
      'alice@example.com',
    );
    expect(headerFromAddress(message('From: alice@example.com'))).toBe('alice@example.com');
  });

  it('never reads past the header section', () => {
    expect(headerFromAddress(message('Subject: no sender'))).toBeUndefined();
    expect(headerFromAddress(message('From: undisclosed'))).toBeUndefined();
  });
});
