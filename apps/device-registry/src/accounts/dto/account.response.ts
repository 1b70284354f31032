import { isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const accountSchema = z
  .object({
    accountId: z.uuid(),
    address: z.email(),
    displayName: z.string().nullable(),
    status: z.enum(['active', 'disabled', 'deleted']),
    revision: z.int(),
    publishedRevision: z.int().describe('Below `revision` while a snapshot still waits to reach Kafka.'),
    deviceCount: z.int(),
    policyId: z.uuid().nullable().describe('The account’s own policy; null follows the default.'),
    failedSignIns: z.int().describe('Failed sign-ins in the current window.'),
    lockedUntil: isoTimestamp.nullable().describe('Set while sign-ins are refused after too many failures.'),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Account' });
export type AccountResponse = z.output<typeof accountSchema>;

export const accountPageSchema = z
  .object({ accounts: z.array(accountSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AccountPage' });
export type AccountPage = z.output<typeof accountPageSchema>;

export const createdAccountSchema = z.object({ accountId: z.uuid(), address: z.string() });
export type CreatedAccount = z.output<typeof createdAccountSchema>;
