import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import {
  arc,
  dmarc,
  spf,
  type ARCResult,
  type DMARCResult,
  type DNSResolver,
  type SPFResult,
} from 'mailauth';

/**
 * The pieces of mailauth's `authenticate()` that its exports do not offer, loaded from mailauth
 * itself: its header parser and field formatting (lib/tools.js), and the libmime and nodemailer it
 * depends on (not the project's own versions), so that what they produce is byte for byte what
 * `authenticate()` produces.
 */
const besideMailauth = createRequire(createRequire(import.meta.url).resolve('mailauth'));

interface HeaderRow {
  /** The field name, lower-cased; null for a row without a colon. */
  key: string | null;
  line: Buffer;
}

const tools = besideMailauth('./tools.js') as {
  parseHeaders(header: Buffer): { parsed: HeaderRow[] };
  formatAuthservId(authservId: string, strict: boolean): string;
  formatAuthHeaderRow(
    method: string,
    status: { result: string; comment?: string },
    options: { strict: boolean },
  ): string;
};
const libmime = besideMailauth('libmime') as { foldLines(text: string, lineLength: number): string };
const fold = (text: string): string => libmime.foldLines(text, 160);

interface ParsedAddress {
  address?: string;
  group?: ParsedAddress[];
}
const addressparser = besideMailauth('nodemailer/lib/addressparser') as (text: string) => ParsedAddress[];

/** The fields whose presence needs the DKIM verifier (and the ARC chain check) of `authenticate()`. */
const SIGNATURE_FIELDS = new Set([
  'dkim-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
]);

/** Any of their names at the start of a line of the header: where none is, none of the fields is one. */
const SIGNATURE_NAME = /^[ \t]*(?:dkim-signature|arc-(?:seal|message-signature|authentication-results))/im;

/**
 * Where the header ends as mailauth's message parser finds it: just past the first empty line,
 * ended by LF or CRLF (a line of a lone CR before its CRLF is not empty), or the whole message
 * when there is none.
 */
export function headerEnd(raw: Buffer): number {
  for (let index = raw.indexOf(0x0a); index >= 0; index = raw.indexOf(0x0a, index + 1)) {
    const previous = raw[index - 1];
    if (index === 0 || previous === 0x0a) return index + 1;
    if (previous === 0x0d && (index === 1 || raw[index - 2] === 0x0a)) return index + 1;
  }
  return raw.length;
}

/** What the checks of an unsigned message read from its header: the From fields' addresses. */
export interface UnsignedHeader {
  authorAddresses: string[];
  fromFields: number;
}

/**
 * The header of a message that no DKIM verifier needs to read: no DKIM-Signature and no ARC
 * field, as mailauth's parser reads the header. Undefined for any other message. The addresses
 * are taken from the From fields as mailauth's DKIM verifier takes them (every mailbox, group
 * members included).
 */
export function unsignedHeader(raw: Buffer): UnsignedHeader | undefined {
  const header = raw.subarray(0, headerEnd(raw));
  // A signed message goes to the full checks without being parsed twice.
  if (SIGNATURE_NAME.test(header.toString('latin1'))) return undefined;
  const rows = tools.parseHeaders(header).parsed;
  const authorAddresses: string[] = [];
  let fromFields = 0;
  for (const row of rows) {
    if (row.key === null) continue;
    if (SIGNATURE_FIELDS.has(row.key)) return undefined;
    if (row.key !== 'from') continue;
    fromFields += 1;
    const line = row.line.toString();
    const colon = line.indexOf(':');
    for (const address of addressparser((colon >= 0 ? line.slice(colon + 1) : line).trim())) {
      for (const mailbox of address.group ?? [address]) {
        if (mailbox.address) authorAddresses.push(mailbox.address);
      }
    }
  }
  return { authorAddresses, fromFields };
}

export interface UnsignedCheckOptions {
  ip: string;
  helo: string | undefined;
  sender: string;
  /** The authserv-id. */
  mta: string;
  resolver: DNSResolver;
}

/** The parts of mailauth's `AuthenticateResult` the sender checks read. */
export interface SenderCheckResult {
  spf: SPFResult | false;
  dkim: { results?: { status: { result: string } }[] };
  dmarc: DMARCResult | false;
  arc: ARCResult | false;
  headers: string;
}

/** The DKIM verifier's result when a message has no signature. */
const notSigned = () => ({ result: 'none', comment: 'message not signed' });

/**
 * What `authenticate()` (lenient, no BIMI, no sealing) gives for a message with an
 * `unsignedHeader`, without its DKIM verifier streaming the message: SPF, ARC and DMARC through
 * mailauth's own functions, in its order, and the same `Received-SPF` and `Authentication-Results`
 * fields. The verifier would find no signature and report `dkim=none`; with no ARC field the chain
 * is empty.
 */
export async function checkUnsigned(
  header: UnsignedHeader,
  options: UnsignedCheckOptions,
): Promise<SenderCheckResult> {
  // As authenticate() fills in its options.
  const mta = options.mta || hostname();
  const authservId = tools.formatAuthservId(mta, false);
  let helo = options.helo;
  if (!helo && options.ip) helo = options.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;

  const spfResult = await spf({
    ip: options.ip,
    helo,
    sender: options.sender,
    mta,
    resolver: options.resolver,
    strict: false,
  });
  const arcResult = await arc({ chain: [] }, { resolver: options.resolver, strict: false, ip: options.ip });

  const results = [fold(tools.formatAuthHeaderRow('dkim', notSigned(), { strict: false }))];
  let receivedSpf: string | undefined;
  if (spfResult) {
    results.push(fold(spfResult.info));
    receivedSpf = spfResult.header;
  }
  if (arcResult.info) results.push(fold(arcResult.info));

  const dmarcResult = await dmarc({
    headerFrom: header.authorAddresses,
    fromFields: header.fromFields,
    spfDomains: spfResult && spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
    dkimDomains: [],
    arcResult,
    resolver: options.resolver,
    strict: false,
  });
  if (dmarcResult && dmarcResult.info) results.push(fold(dmarcResult.info));

  const value = `${authservId};\r\n ${results.join(';\r\n ')}`;
  const fields = [`Authentication-Results: ${value}`];
  if (receivedSpf) fields.unshift(receivedSpf);
  arcResult.authResults = value;
  return {
    spf: spfResult,
    dkim: { results: [{ status: notSigned() }] },
    dmarc: dmarcResult,
    arc: arcResult,
    headers: `${fields.join('\r\n')}\r\n`,
  };
}
