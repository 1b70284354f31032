import { isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const domainParamSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name')
  .describe('A hosted domain (one of outbound’s MAIL_DOMAINS).');

export const dkimKeyStateSchema = z
  .enum(['signing', 'next', 'retired'])
  .describe('`signing` signs now; `next` signs from `activeFrom`; `retired` signed until `retiredAt`.');

export const domainDkimSchema = z
  .object({
    domain: z.string(),
    keys: z.array(
      z.object({
        selector: z.string(),
        state: dkimKeyStateSchema,
        activeFrom: isoTimestamp,
        retiredAt: isoTimestamp.nullable(),
        publishUntil: isoTimestamp
          .nullable()
          .describe('Until when the record must stay in DNS; null: as long as the key is in use.'),
        record: z
          .object({ name: z.string(), type: z.literal('TXT'), value: z.string() })
          .describe('The DNS TXT record to publish.'),
      }),
    ),
  })
  .meta({ id: 'DomainDkim' });

export type DomainDkim = z.output<typeof domainDkimSchema>;
