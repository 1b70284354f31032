import { csv } from '@pushmail/platform';
import { z } from 'zod';

/**
 * What a hosted domain does with mail that fails DMARC:
 * - `reject`: refuse it (`550 5.7.1`) when its author domain's policy says `reject`, defer it
 *   (`451 4.4.3`) when that policy cannot be looked up; any other failure is accepted and marked;
 * - `mark`: accept everything, with the verdict in `Authentication-Results`.
 */
export const inboundAuthPolicy = z.enum(['reject', 'mark']);
export type InboundAuthPolicy = z.infer<typeof inboundAuthPolicy>;

/** `example.com=reject,example.org=mark`: each domain named once. */
export const domainPolicies = csv.pipe(
  z
    .array(
      z
        .string()
        .regex(/^[^\s@=]+=(reject|mark)$/, 'must be domain=reject or domain=mark, comma separated')
        .transform((entry) => {
          const [domain, policy] = entry.split('=') as [string, InboundAuthPolicy];
          return [domain.toLowerCase(), policy] as const;
        }),
    )
    .refine((entries) => new Set(entries.map(([domain]) => domain)).size === entries.length, {
      message: 'names a domain twice',
    })
    .transform((entries) => new Map<string, InboundAuthPolicy>(entries)),
);

/** The policy of a message: the strictest of its recipients' domains, since one reply answers them all. */
export function policyForRecipients(
  recipientDomains: Iterable<string>,
  policies: ReadonlyMap<string, InboundAuthPolicy>,
  fallback: InboundAuthPolicy,
): InboundAuthPolicy {
  for (const domain of recipientDomains) {
    if ((policies.get(domain.toLowerCase()) ?? fallback) === 'reject') return 'reject';
  }
  return 'mark';
}
