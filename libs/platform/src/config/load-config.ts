import { z } from 'zod';
import { TOPIC_PREFIX_PATTERN } from '../kafka/topic-prefix.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates configuration once, at boot. A missing or bad value throws an error that
 * names the environment variable; no value ever appears in it (a bad value may be a secret).
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const relevant: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) relevant[key] = env[key] === '' ? undefined : env[key];
  const parsed = schema.safeParse(relevant);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(config)');
    return `  ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

const secrets = z.registry();

/**
 * Marks a variable as secret: the logger redacts it wherever it appears under its name, whatever
 * wraps it afterwards (`secret(z.string()).optional()` is still secret).
 */
export function secret<T extends z.ZodType>(schema: T): T {
  secrets.add(schema);
  return schema;
}

/** The variables of a config schema marked with `secret()`. */
export function secretKeysOf(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => isSecret(field as z.ZodType))
    .map(([key]) => key);
}

function isSecret(schema: z.ZodType): boolean {
  if (secrets.has(schema)) return true;
  // Wrappers (optional, default, nullable, readonly, catch) keep the marked schema as innerType;
  // a pipe keeps it as its input.
  const def = schema._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
  const inner = def.innerType ?? def.in;
  return inner !== undefined && isSecret(inner);
}

/** Comma-separated list, trimmed, empties dropped. */
export const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

export const port = z.coerce.number().int().min(0).max(65535);

/** A whole number of at least 1 (a duration, a size, a count) up to an optional ceiling. */
export const positiveInt = (max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(1).max(max);

/** An http(s) URL, trailing slashes dropped so paths can be appended. */
export const httpUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

/** A Postgres connection URL; secret, as it carries the password. */
export const postgresUrl = secret(
  z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
);

/** A bearer token shared between services or given to operators; secret by construction. */
export const bearerToken = () => secret(z.string().min(24));

/** The variables every service reads the same way. */
export const baseConfigSchema = z.object({
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  KAFKA_BROKERS: csv.pipe(z.array(z.string()).min(1, 'must name at least one broker')),
  /** `create` missing topics (development, tests) or only `verify` them (production). */
  KAFKA_TOPICS: z.enum(['create', 'verify']).default('create'),
  /** Replicas of a topic this service creates, and the fewest a verified topic may have. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * Put before every topic name and consumer group id on the wire, so that several installations
   * share one Kafka cluster (`staging.`, a tenant, a test run). Empty (the default): the names as declared.
   */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(TOPIC_PREFIX_PATTERN, 'must be up to 100 of A-Z a-z 0-9 . _ -')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
