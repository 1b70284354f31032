import { envelopeAddress } from '@pushmail/contracts';
import type { EmailAddressValue } from '../emails/email.js';

/** An identity as JMAP shows it (RFC 8621 §6). */
export interface Identity {
  id: string;
  name: string;
  email: string;
  replyTo: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  textSignature: string;
  htmlSignature: string;
  mayDelete: boolean;
}

export const IDENTITY_PROPERTIES = [
  'id',
  'name',
  'email',
  'replyTo',
  'bcc',
  'textSignature',
  'htmlSignature',
  'mayDelete',
] as const;

/** The identity every account has for its own address; it cannot be destroyed. */
export function defaultIdentityId(accountId: string): string {
  return `I${accountId.replaceAll('-', '')}`;
}

/** Compares addresses as SMTP does in practice: the domain case-insensitively, and the local part too. */
export function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A plain address that cannot carry a header or an SMTP command: no spaces, controls or brackets. */
export function isSafeAddress(value: unknown): value is string {
  return typeof value === 'string' && envelopeAddress.safeParse(value).success;
}

const MAX_NAME = 256;
const MAX_SIGNATURE = 64 * 1024;
const MAX_ADDRESSES = 100;

/** A display name that stays on one header line. */
export function isSafeName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME && !/[\u0000-\u001f\u007f]/.test(value);
}

export function isSignature(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_SIGNATURE;
}

/** `replyTo` / `bcc`: null, or a list of `{ name, email }` with safe names and addresses. */
export function readAddressList(value: unknown): EmailAddressValue[] | null | undefined {
  if (value === null) return null;
  if (!Array.isArray(value) || value.length > MAX_ADDRESSES) return undefined;
  const list: EmailAddressValue[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { name, email } = item as Record<string, unknown>;
    if (!isSafeAddress(email)) return undefined;
    if (name !== null && name !== undefined && !isSafeName(name)) return undefined;
    list.push({ name: typeof name === 'string' ? name : null, email });
  }
  return list;
}
