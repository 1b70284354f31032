import { Injectable } from '@nestjs/common';
import {
  child,
  childText,
  children,
  elementsOf,
  textOf,
  VALIDATE_CERT_STATUS,
  type WbxmlElement,
} from '@pushmail/activesync';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { checkCertificate, parseCertificate } from './certificate-check.js';

/** Certificates one request may carry, each at most 16 kB of base64. */
const MAX_CERTIFICATES = 20;
const MAX_CERTIFICATE_CHARS = 16_384;

const v = elementsOf('ValidateCert');
const protocolError = () => statusReply('ValidateCert', VALIDATE_CERT_STATUS.ProtocolError);

/**
 * ValidateCert: each certificate of the request checked, its Status in request order. A quarantined
 * device is answered as any other: the check reads only the certificates it sent and the gateway's
 * trusted roots, nothing of the account.
 */
@Injectable()
export class ValidateCertificates implements EasCommand {
  readonly command = 'ValidateCert';

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    if (!body) return protocolError();
    const texts = (list: WbxmlElement | undefined) =>
      list
        ? children(list, 'Certificate', 'ValidateCert').map((certificate) => textOf(certificate) ?? '')
        : [];
    const wanted = texts(child(body, 'Certificates', 'ValidateCert'));
    const chainTexts = texts(child(body, 'CertificateChain', 'ValidateCert'));
    if (
      wanted.length === 0 ||
      wanted.length + chainTexts.length > MAX_CERTIFICATES ||
      [...wanted, ...chainTexts].some((text) => text.length > MAX_CERTIFICATE_CHARS)
    )
      return protocolError();
    const chain = chainTexts.map(parseCertificate).filter((certificate) => certificate !== undefined);
    const checkRevocation = childText(body, 'CheckCRL', 'ValidateCert') === '1';
    const statuses = wanted.map((text) => {
      const certificate = parseCertificate(text);
      return certificate
        ? checkCertificate(certificate, chain, { checkRevocation })
        : VALIDATE_CERT_STATUS.InvalidChain;
    });
    return {
      body: v(
        'ValidateCert',
        v('Status', String(VALIDATE_CERT_STATUS.Success)),
        ...statuses.map((status) => v('Certificate', v('Status', String(status)))),
      ),
    };
  }
}
