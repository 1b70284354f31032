import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { VALIDATE_CERT_STATUS } from '@pushmail/activesync';

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
/** How far up a chain is followed: real chains are 2 to 4 long. */
const MAX_DEPTH = 8;

let trusted: X509Certificate[] | undefined;
function trustedRoots(): X509Certificate[] {
  trusted ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return trusted;
}

export function parseCertificate(base64: string): X509Certificate | undefined {
  try {
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

function inForce(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

/**
 * Checks a signer's certificate as ValidateCert asks: in force now, meant for email (when it says
 * what it is for), and chained by valid signatures through the given intermediates to a root this
 * server trusts (Node's bundled roots, or `roots` in tests). Revocation cannot be checked here (no
 * CRL or OCSP is fetched), so a request that asks for it is told so rather than told "valid".
 */
export function checkCertificate(
  certificate: X509Certificate,
  chain: X509Certificate[],
  options: { checkRevocation: boolean; now?: Date; roots?: X509Certificate[] },
): number {
  const now = options.now ?? new Date();
  const roots = options.roots ?? trustedRoots();
  if (!inForce(certificate, now)) return VALIDATE_CERT_STATUS.Expired;
  const purposes = certificate.keyUsage;
  if (purposes && purposes.length > 0 && !purposes.includes(EMAIL_PROTECTION))
    return VALIDATE_CERT_STATUS.NotForEmail;
  let current = certificate;
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    const root = roots.find((candidate) => current.checkIssued(candidate));
    if (root) {
      if (!current.verify(root.publicKey)) return VALIDATE_CERT_STATUS.InvalidSignature;
      return options.checkRevocation ? VALIDATE_CERT_STATUS.RevocationUnknown : VALIDATE_CERT_STATUS.Success;
    }
    if (current.checkIssued(current)) return VALIDATE_CERT_STATUS.UntrustedSource;
    const issuer = chain.find((candidate) => candidate !== current && current.checkIssued(candidate));
    if (!issuer) return VALIDATE_CERT_STATUS.InvalidChain;
    if (!current.verify(issuer.publicKey)) return VALIDATE_CERT_STATUS.InvalidSignature;
    if (!inForce(issuer, now)) return VALIDATE_CERT_STATUS.Expired;
    current = issuer;
  }
  return VALIDATE_CERT_STATUS.InvalidChain;
}
