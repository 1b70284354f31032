import { MailboxError } from '../mailbox/mailbox-client.js';
import type { SentReply } from './eas-command.js';

/**
 * The answer to a command that mailbox could not serve for a transient reason: mailbox was not
 * reachable, did not answer in time, or dropped the connection under the request (a closed
 * keep-alive socket). A phone retries a 503 with Retry-After; a 500 it reports as a server fault, so
 * a dependency's fault is never one. Undefined for anything else.
 */
export function mailboxFailureReply(error: unknown): SentReply | undefined {
  if (!(error instanceof MailboxError)) return undefined;
  if (error.timedOut)
    return {
      http: 503,
      detail: 'the mail store did not answer in time; retry shortly',
      headers: { 'Retry-After': '5' },
    };
  if (error.kind !== 'unavailable' && !error.connectionLost) return undefined;
  return {
    http: 503,
    detail: 'the mail store is unavailable; retry shortly',
    headers: { 'Retry-After': '5' },
  };
}
