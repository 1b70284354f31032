import { baseConfigSchema, bearerToken, databaseConfigShape, port, positiveInt } from '@pushmail/platform';
import { z } from 'zod';

export const registryConfigSchema = baseConfigSchema.extend({
  REGISTRY_HTTP_PORT: port.default(8081),
  ...databaseConfigShape,
  /** Compared only through digests. */
  ADMIN_TOKEN: bearerToken(),
  MAX_DEVICES_PER_ACCOUNT: positiveInt(1000).default(10),
  /** Where a newly registered device finds the JMAP session resource. */
  PUBLIC_JMAP_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Secret: the bearer push-delivery presents on `/internal/*` (password sign-ins of standard
   * clients, policy acknowledgements, wipe confirmations). Without it those endpoints answer 503.
   */
  INTERNAL_TOKEN: bearerToken().optional(),
  /** Failed sign-ins of one account within the window that lock it. */
  SIGN_IN_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  SIGN_IN_LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  SIGN_IN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** A failed sign-in is answered this late, doubling with each failure in the window (at most 4 s). */
  SIGN_IN_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(4000).default(250),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;
