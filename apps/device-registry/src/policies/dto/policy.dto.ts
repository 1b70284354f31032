import { devicePolicySettingsV1, isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

const settingsInput = devicePolicySettingsV1.partial();

export const createPolicySchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Unset settings take the lenient value: no PIN, no limit. */
  settings: settingsInput.default({}).transform((settings) => ({
    pinRequired: settings.pinRequired ?? false,
    minPinLength: settings.minPinLength ?? 0,
    lockAfterIdleSeconds: settings.lockAfterIdleSeconds ?? null,
    wipeAfterFailedUnlocks: settings.wipeAfterFailedUnlocks ?? null,
    syncWindowDays: settings.syncWindowDays ?? null,
    maxAttachmentBytes: settings.maxAttachmentBytes ?? null,
  })),
});
export type CreatePolicyDto = z.output<typeof createPolicySchema>;

/** The settings given replace the current ones; the others stay. Any change is a new version. */
export const updatePolicySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    settings: settingsInput.optional(),
  })
  .refine((body) => body.name !== undefined || body.settings !== undefined, {
    message: 'give a new name or settings',
  });
export type UpdatePolicyDto = z.output<typeof updatePolicySchema>;

export const assignPolicySchema = z.object({
  /** null: the account follows the organisation's default policy again. */
  policyId: z.uuid().nullable(),
});

export const policyIdParamSchema = z.uuid().describe('The policy id.');

export const policySchema = z
  .object({
    policyId: z.uuid(),
    name: z.string(),
    version: z.int().describe('Grows with every change; devices acknowledge a version.'),
    settings: devicePolicySettingsV1.meta({ id: 'PolicySettings' }),
    isDefault: z.boolean(),
    assignedAccounts: z.int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Policy' });
export type PolicyView = z.output<typeof policySchema>;

export const policiesSchema = z.object({ policies: z.array(policySchema) });
