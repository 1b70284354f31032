import { describe, expect, it } from 'vitest';
import type { RegistryRefusal } from './registry-client.js';
import { refusedSignIn } from './sign-in-refusal.js';

const challenge = { 'WWW-Authenticate': 'Basic realm="test"' };
const refusal = (status: number, extra: Partial<RegistryRefusal> = {}): RegistryRefusal => ({
  status,
  error: 'some_code',
  message: `refused with ${status}`,
  body: {},
  ...extra,
});

describe(refusedSignIn.name, () => {
  it('challenges again on wrong credentials, without echoing the registry', () => {
    expect(refusedSignIn(refusal(401), challenge)).toStrictEqual({
      status: 401,
      detail: 'wrong address or password',
      headers: challenge,
    });
  });

  it("passes on a lockout with the registry's Retry-After, or 60 seconds", () => {
    expect(refusedSignIn(refusal(429, { retryAfterSeconds: 900 }), challenge)).toStrictEqual({
      status: 429,
      detail: 'refused with 429',
      headers: { 'Retry-After': '900' },
    });
    expect(refusedSignIn(refusal(429), challenge).headers).toStrictEqual({ 'Retry-After': '60' });
  });

  it('answers a malformed request 400 and any other refusal 403', () => {
    expect(refusedSignIn(refusal(400), challenge)).toStrictEqual({ status: 400, detail: 'refused with 400' });
    expect(refusedSignIn(refusal(403), challenge)).toStrictEqual({ status: 403, detail: 'refused with 403' });
    expect(refusedSignIn(refusal(409), challenge)).toStrictEqual({ status: 403, detail: 'refused with 409' });
  });
});
