import 'reflect-metadata';
import type { z } from 'zod';

/** One documented response: its description and, unless it has no body, the zod schema of that body. */
export interface ApiResponseSpec {
  description: string;
  schema?: z.ZodType;
}

/**
 * What a route's own metadata cannot say about it. Its method, path, status code and the zod schemas of
 * its body, query and path parameters are read from Nest's metadata and the route's validation pipes.
 */
export interface ApiOperationSpec {
  operationId: string;
  summary: string;
  /** Overrides the controller's `@ApiTags`. */
  tags?: readonly string[];
  /** The success responses by status; the route's status code (`@HttpCode` or Nest's default) must be one. */
  responses: Readonly<Record<number, ApiResponseSpec>>;
  /** Error statuses, each a reference to the document's shared problem response of that status. */
  errors?: readonly number[];
  /** Names of the security schemes the operation takes; overrides the controller's `@ApiSecurity`. */
  security?: readonly string[];
}

export const API_OPERATION_METADATA = 'pushmail:api-operation';
export const API_SECURITY_METADATA = 'pushmail:api-security';
export const API_TAGS_METADATA = 'pushmail:api-tags';

/** Describes a route for the generated OpenAPI document. */
export function ApiOperation(spec: ApiOperationSpec): MethodDecorator {
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
