import { z } from 'zod';
import type { TopicDefinition } from '../topics/topic.js';

export type JsonSchema = { [keyword: string]: unknown };

/**
 * The JSON Schema (draft-07, the dialect AsyncAPI 3.0 schemas build on) of what a topic's
 * consumers accept: zod's *input* shape, so a field with a default is optional and unknown fields
 * are tolerated, exactly as `decodeEvent` behaves.
 */
export function payloadSchemaOf(topic: TopicDefinition): JsonSchema {
  const schema = z.toJSONSchema(topic.schema, { target: 'draft-07', io: 'input' }) as JsonSchema;
  // A component schema inside an AsyncAPI document takes its dialect from the document.
  delete schema['$schema'];
  return schema;
}
