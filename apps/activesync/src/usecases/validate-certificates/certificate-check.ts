import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

/** Per-certificate ValidateCert statuses ([MS-ASCMD] 2.2.3.177.18). */
export const CertificateStatus = {
  Valid: 1,
  ProtocolError: 2,
  BadSignature: 3,
  UntrustedSource: 4,
  BadChain: 5,
  NotForEmail: 6,
  Expired: 7,
  RevocationUnknown: 16,
} as const;

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
  if (!inForce(certificate, now)) return CertificateStatus.Expired;
  const purposes = certificate.keyUsage;
  if (purposes && purposes.length > 0 && !purposes.includes(EMAIL_PROTECTION))
    return CertificateStatus.NotForEmail;
  let current = certificate;
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    const root = roots.find((candidate) => current.checkIssued(candidate));
    if (root) {
      if (!current.verify(root.publicKey)) return CertificateStatus.BadSignature;
      return options.checkRevocation ? CertificateStatus.RevocationUnknown : CertificateStatus.Valid;
    }
    if (current.checkIssued(current)) return CertificateStatus.UntrustedSource;
    const issuer = chain.find((candidate) => candidate !== current && current.checkIssued(candidate));
    if (!issuer) return CertificateStatus.BadChain;
    if (!current.verify(issuer.publicKey)) return CertificateStatus.BadSignature;
    if (!inForce(issuer, now)) return CertificateStatus.Expired;
    current = issuer;
  }
  return CertificateStatus.BadChain;
}
