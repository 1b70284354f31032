import type { z } from 'zod';
import type { TopicDefinition } from './topics/topic.js';

export interface EncodedEvent {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export type DecodeResult<T> = { ok: true; event: T } | { ok: false; reason: string };

export const SCHEMA_HEADER = 'pushmail-schema';

/**
 * The instance that wrote an event, where its producer names one (outbound: its `OUTBOUND_HOSTNAME`):
 * what two deployments on one broker write about the same submission can be told apart by it.
 */
export const PRODUCER_HEADER = 'pushmail-producer';

/** Validates an event against its topic's schema and serialises it; throws on an invalid event. */
export function encodeEvent<S extends z.ZodType>(
  topic: TopicDefinition<S>,
  event: z.input<S>,
  headers: Record<string, string> = {},
): EncodedEvent {
  const parsed = topic.schema.safeParse(event);
  if (!parsed.success) {
    throw new Error(`refusing to produce an invalid ${topic.name} event: ${formatIssues(parsed.error)}`);
  }
  return {
    key: topic.key(parsed.data),
    value: Buffer.from(JSON.stringify(parsed.data)),
    headers: { ...headers, [SCHEMA_HEADER]: topic.name, 'content-type': 'application/json' },
  };
}

/** Parses and validates a consumed value; never throws, so a poison event can be dead-lettered. */
export function decodeEvent<S extends z.ZodType>(
  topic: TopicDefinition<S>,
  value: Buffer | null | undefined,
): DecodeResult<z.infer<S>> {
  if (!value || value.length === 0) return { ok: false, reason: 'empty value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = topic.schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `schema ${topic.name}: ${formatIssues(parsed.error)}` };
  return { ok: true, event: parsed.data };
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
