import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliveryIdOf } from './delivery-id.js';

describe(deliveryIdOf.name, () => {
  const accountId = '0b7c6a5e-7a55-4c4b-9d0e-2f0b6c1d9a11';
  const raw = Buffer.from('Subject: hi\r\n\r\nbody\r\n');

  it('is the hex SHA-256 of the account id, a newline and the raw bytes', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${accountId}\n`), raw]))
      .digest('hex');

    expect(deliveryIdOf(accountId, raw)).toBe(expected);
    expect(deliveryIdOf(accountId, raw)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same bytes sent again and differs per account and per message', () => {
    expect(deliveryIdOf(accountId, Buffer.from(raw))).toBe(deliveryIdOf(accountId, raw));
    expect(deliveryIdOf('1b7c6a5e-7a55-4c4b-9d0e-2f0b6c1d9a11', raw)).not.toBe(deliveryIdOf(accountId, raw));
    expect(deliveryIdOf(accountId, Buffer.from('Subject: hi\r\n\r\nbody!\r\n'))).not.toBe(
      deliveryIdOf(accountId, raw),
    );
  });
});
