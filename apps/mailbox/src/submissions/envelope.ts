import type { SetError } from '@pushmail/jmap';
import { setError } from '@pushmail/jmap';
import type { EmailAddressValue } from '../emails/email.js';
import { isSafeAddress, sameAddress } from '../identities/identity.js';
import { HOLD_PARAMETERS } from './future-release.js';

export interface Envelope {
  /** `parameters`: FUTURERELEASE's HOLDFOR or HOLDUNTIL (upper case), the only ones taken. */
  mailFrom: { email: string; parameters: Record<string, string | null> | null };
  rcptTo: Array<{ email: string; parameters: null }>;
}

export interface EnvelopeLimits {
  maxRecipients: number;
}

/** The header addresses of the submitted email that decide its envelope when none is given. */
export interface EmailHeaderAddresses {
  from: EmailAddressValue[] | null;
  sender: EmailAddressValue[] | null;
  to: EmailAddressValue[] | null;
  cc: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
}

/**
 * The envelope of a submission (RFC 8621 §7, `envelope`): the one given, or derived from the email's
 * Sender/From and To/Cc/Bcc; then checked so that only the identity's address sends and every
 * recipient is a plain address (nothing can be smuggled into the SMTP conversation or a header).
 */
export function envelopeOf(
  given: unknown,
  email: EmailHeaderAddresses,
  identityEmail: string,
  limits: EnvelopeLimits,
): { ok: true; envelope: Envelope } | { ok: false; error: SetError } {
  // The From header must name the identity, whatever the envelope says.
  const from = email.from ?? [];
  if (from.length === 0 || !from.every((address) => sameAddress(address.email, identityEmail))) {
    return fail(setError('forbiddenFrom', "the email's From must be the identity's address"));
  }
  let mailFrom: string;
  let rcptTo: string[];
  let mailParameters: Record<string, string | null> | null = null;
  if (given === undefined || given === null) {
    mailFrom = (email.sender?.[0] ?? from[0]!).email;
    const seen = new Set<string>();
    rcptTo = [];
    for (const address of [...(email.to ?? []), ...(email.cc ?? []), ...(email.bcc ?? [])]) {
      const key = address.email.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      rcptTo.push(address.email);
    }
  } else {
    const read = readEnvelope(given);
    if (!read.ok) return read;
    ({ mailFrom, rcptTo, mailParameters } = read);
  }
  if (!isSafeAddress(mailFrom) || !sameAddress(mailFrom, identityEmail)) {
    return fail(setError('forbiddenMailFrom', "the envelope's MAIL FROM must be the identity's address"));
  }
  if (rcptTo.length === 0) return fail(setError('noRecipients', 'the submission has no recipients'));
  const invalid: string[] = rcptTo.filter((address) => !isPlainAddress(address));
  if (invalid.length > 0) {
    return fail(
      setError('invalidRecipients', 'some recipients are not valid addresses', {
        invalidRecipients: invalid.slice(0, 100).map((address) => address.slice(0, 320)),
      }),
    );
  }
  if (rcptTo.length > limits.maxRecipients) {
    return fail(
      setError('tooManyRecipients', `at most ${limits.maxRecipients} recipients per message`, {
        maxRecipients: limits.maxRecipients,
      }),
    );
  }
  return {
    ok: true,
    envelope: {
      mailFrom: { email: mailFrom, parameters: mailParameters },
      rcptTo: rcptTo.map((address) => ({ email: address, parameters: null })),
    },
  };
}

function isPlainAddress(address: string): boolean {
  return isSafeAddress(address);
}

function fail(error: SetError): { ok: false; error: SetError } {
  return { ok: false, error };
}

/**
 * A given envelope: `{ mailFrom: Address, rcptTo: Address[] }`. The only SMTP parameters taken are
 * FUTURERELEASE's on MAIL FROM (their values are checked by `releaseTimeOf`).
 */
function readEnvelope(
  value: unknown,
):
  | { ok: true; mailFrom: string; rcptTo: string[]; mailParameters: Record<string, string | null> | null }
  | { ok: false; error: SetError } {
  const invalid = (description: string) =>
    fail(setError('invalidProperties', description, { properties: ['envelope'] }));
  if (typeof value !== 'object' || Array.isArray(value) || value === null)
    return invalid('"envelope" must be an object');
  const { mailFrom, rcptTo } = value as Record<string, unknown>;
  const addressOf = (item: unknown): string | undefined => {
    if (typeof item !== 'object' || item === null) return undefined;
    const { email, parameters } = item as Record<string, unknown>;
    if (parameters !== undefined && parameters !== null) return undefined;
    return typeof email === 'string' ? email : undefined;
  };
  const { parameters, ...plainFrom } =
    typeof mailFrom === 'object' && mailFrom !== null ? (mailFrom as Record<string, unknown>) : {};
  const from = addressOf(typeof mailFrom === 'object' && mailFrom !== null ? plainFrom : mailFrom);
  if (from === undefined)
    return invalid('"envelope.mailFrom" must be { email, parameters } with an address as email');
  const mailParameters = holdParameters(parameters);
  if (mailParameters === 'invalid')
    return invalid(
      '"envelope.mailFrom.parameters" may only be null or FUTURERELEASE\'s HOLDFOR or HOLDUNTIL, each a string',
    );
  if (!Array.isArray(rcptTo)) return invalid('"envelope.rcptTo" must be a list of addresses');
  // Bounded before anything else looks at it: the recipient limit is checked by the caller.
  if (rcptTo.length > 10_000) return invalid('"envelope.rcptTo" is far too long');
  const to: string[] = [];
  for (const item of rcptTo) {
    const address = addressOf(item);
    if (address === undefined)
      return invalid(
        '"envelope.rcptTo" items must be { email, parameters: null } (no SMTP parameters are supported)',
      );
    to.push(address);
  }
  return { ok: true, mailFrom: from, rcptTo: to, mailParameters };
}

/** MAIL FROM parameters, their names upper-cased; only those of FUTURERELEASE. */
function holdParameters(value: unknown): Record<string, string | null> | null | 'invalid' {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return 'invalid';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return null;
  const parameters: Record<string, string | null> = {};
  for (const [name, parameter] of entries) {
    const upper = name.toUpperCase();
    if (!HOLD_PARAMETERS.has(upper) || upper in parameters) return 'invalid';
    if (parameter !== null && (typeof parameter !== 'string' || parameter.length > 64)) return 'invalid';
    parameters[upper] = parameter;
  }
  return parameters;
}
