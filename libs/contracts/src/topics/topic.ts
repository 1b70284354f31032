import type { z } from 'zod';

/**
 * One Kafka topic, declared once. Producers and consumers both validate against `schema`,
 * so a payload that one side would reject can never be produced by the other.
 */
export interface TopicDefinition<S extends z.ZodType = z.ZodType> {
  /** Full topic name, versioned: a breaking change is a new topic, the old kept until consumers move. */
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** Every event is keyed by the aggregate that needs ordering: the account. */
  readonly key: (event: z.infer<S>) => string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export type EventOf<T> = T extends TopicDefinition<infer S> ? z.infer<S> : never;

export function defineTopic<S extends z.ZodType>(definition: TopicDefinition<S>): TopicDefinition<S> {
  return definition;
}
