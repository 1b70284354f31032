import { deviceAccessLevels } from '@pushmail/contracts';
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

export const listExemptionsQuerySchema = z.object({ accountId: z.uuid().optional() });

export const ruleIdParamSchema = z.uuid();
