import 'reflect-metadata';
import type { z } from 'zod';

/** A documented response: its description, with the zod schema of its body unless it has none. */
export type ApiResponse = string | readonly [description: string, schema: z.ZodType];

/**
 * What a route's own metadata cannot say about it. Its method, path, status code and the zod schemas of
 * its body, query and path parameters are read from Nest's metadata and the route's validation pipes.
 */
export interface ApiOperationSpec {
  operationId: string;
  summary: string;
  /** The success responses by status; the route's status code (`@HttpCode` or Nest's default) must be one. */
  responses: Readonly<Record<number, ApiResponse>>;
  /** Error statuses, each a reference to the document's shared problem response of that status. */
  errors: readonly number[];
  /** Overrides the controller's `@ApiTags`. */
  tags?: readonly string[] | undefined;
  /** Names of the security schemes the operation takes; overrides the controller's `@ApiSecurity`. */
  security?: readonly string[] | undefined;
}

export const API_OPERATION_METADATA = 'pushmail:api-operation';
export const API_SECURITY_METADATA = 'pushmail:api-security';
export const API_TAGS_METADATA = 'pushmail:api-tags';

/**
 * Describes a route for the generated OpenAPI document, e.g.
 * `@ApiOperation('getWipe', 'One wipe', { 200: ['The wipe', wipeSchema] }, [400, 401, 404])`.
 */
export function ApiOperation(
  operationId: string,
  summary: string,
  responses: ApiOperationSpec['responses'],
  errors: readonly number[] = [],
  overrides: Pick<ApiOperationSpec, 'tags' | 'security'> = {},
): MethodDecorator {
  const spec: ApiOperationSpec = { operationId, summary, responses, errors, ...overrides };
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(API_OPERATION_METADATA, spec, descriptor.value as object);
    return descriptor;
  };
}

/** The security schemes every operation of the controller takes, e.g. the admin bearer token. */
export function ApiSecurity(...schemes: string[]): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(API_SECURITY_METADATA, schemes, target);
  };
}

/** The tags of every operation of the controller that names none of its own. */
export function ApiTags(...tags: string[]): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(API_TAGS_METADATA, tags, target);
  };
}
