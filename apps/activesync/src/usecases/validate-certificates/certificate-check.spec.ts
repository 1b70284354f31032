import type { X509Certificate } from 'node:crypto';
import { VALIDATE_CERT_STATUS } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import { checkCertificate, parseCertificate } from './certificate-check.js';
import { TEST_CERTIFICATES } from './test-certificates.js';

const certificate = (name: keyof typeof TEST_CERTIFICATES): X509Certificate =>
  parseCertificate(TEST_CERTIFICATES[name])!;
const roots = [certificate('root')];
const chain = [certificate('intermediate')];

describe(checkCertificate.name, () => {
  it('accepts a signing certificate chained through its intermediate to a trusted root', () => {
    expect(checkCertificate(certificate('signer'), chain, { checkRevocation: false, roots })).toBe(
      VALIDATE_CERT_STATUS.Success,
    );
  });

  it('says revocation could not be checked rather than "valid" when the phone asks for it', () => {
    expect(checkCertificate(certificate('signer'), chain, { checkRevocation: true, roots })).toBe(
      VALIDATE_CERT_STATUS.RevocationUnknown,
    );
  });

  it('refuses a broken chain, an untrusted root, a TLS-only certificate and one out of its validity', () => {
    expect(checkCertificate(certificate('signer'), [], { checkRevocation: false, roots })).toBe(
      VALIDATE_CERT_STATUS.InvalidChain,
    );
    // The whole chain up to a root this server does not trust.
    expect(
      checkCertificate(certificate('signer'), [...chain, certificate('root')], {
        checkRevocation: false,
        roots: [],
      }),
    ).toBe(VALIDATE_CERT_STATUS.UntrustedSource);
    expect(checkCertificate(certificate('selfSigned'), [], { checkRevocation: false, roots })).toBe(
      VALIDATE_CERT_STATUS.UntrustedSource,
    );
    expect(checkCertificate(certificate('tlsOnly'), chain, { checkRevocation: false, roots })).toBe(
      VALIDATE_CERT_STATUS.NotForEmail,
    );
    expect(
      checkCertificate(certificate('signer'), chain, {
        checkRevocation: false,
        roots,
        now: new Date('1999-01-01'),
      }),
    ).toBe(VALIDATE_CERT_STATUS.Expired);
  });

  it('refuses a certificate whose issuer did not sign it', () => {
    // The self-signed certificate's subject is not the signer's issuer, so it cannot stand in for it.
    expect(
      checkCertificate(certificate('signer'), [certificate('selfSigned')], { checkRevocation: false, roots }),
    ).toBe(VALIDATE_CERT_STATUS.InvalidChain);
    expect(parseCertificate('not a certificate')).toBeUndefined();
  });
});
