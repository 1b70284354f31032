import { messagingConfigShape, port, runtimeMode } from '@pushmail/platform';
import { z } from 'zod';

export const registryConfigSchema = z.object({
  REGISTRY_HTTP_PORT: port.default(8081),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
  ...messagingConfigShape,
  /** Secret: compared only through digests, never logged. */
  ADMIN_TOKEN: z.string().min(24),
  PUSHMAIL_MODE: runtimeMode,
  MAX_DEVICES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(10),
  /** Where a newly registered device finds the JMAP session resource. */
  PUBLIC_JMAP_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Secret: the bearer push-delivery presents on `/internal/*` (password sign-ins of standard
   * clients, policy acknowledgements, wipe confirmations). Without it those endpoints answer 503.
   */
  INTERNAL_TOKEN: z.string().min(24).optional(),
  /** Failed sign-ins of one account within the window that lock it. */
  SIGN_IN_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  SIGN_IN_LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  SIGN_IN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** A failed sign-in is answered this late, doubling with each failure in the window (at most 4 s). */
  SIGN_IN_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(4000).default(250),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;

export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
export const REGISTRY_LOGGER = Symbol('REGISTRY_LOGGER');
