import { deviceAccessLevels, isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const createAccessRuleSchema = z.object({
  matchField: z.enum(['deviceType', 'model']),
  /** Case-insensitive; `*` matches any run of characters. */
  pattern: z.string().trim().min(1).max(128),
  access: z.enum(deviceAccessLevels),
  description: z.string().trim().min(1).max(500).optional(),
});
export type CreateAccessRuleDto = z.output<typeof createAccessRuleSchema>;

export const setExemptionSchema = z.object({
  access: z.enum(['allowed', 'blocked']),
  note: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .nullish()
    .transform((value) => value ?? null),
});
export type SetExemptionDto = z.output<typeof setExemptionSchema>;

export const listExemptionsQuerySchema = z.object({
  accountId: z.uuid().optional().describe('Only this account.'),
});

export const ruleIdParamSchema = z.uuid().describe('The rule id.');

export const accessRuleSchema = z
  .object({
    ruleId: z.uuid(),
    matchField: z.enum(['deviceType', 'model']),
    pattern: z.string().describe('Case-insensitive, whole value; `*` matches any run of characters.'),
    access: z.enum(deviceAccessLevels),
    description: z.string().nullable(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'AccessRule' });
export type AccessRuleView = z.output<typeof accessRuleSchema>;

export const exemptionSchema = z
  .object({
    accountId: z.uuid(),
    deviceId: z.string(),
    access: z.enum(['allowed', 'blocked']),
    note: z.string().nullable(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Exemption' });
export type ExemptionView = z.output<typeof exemptionSchema>;

export const accessRulesSchema = z.object({ rules: z.array(accessRuleSchema) });
export const exemptionsSchema = z.object({ exemptions: z.array(exemptionSchema) });
