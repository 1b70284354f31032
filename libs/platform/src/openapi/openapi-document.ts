import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { z } from 'zod';
import {
  API_OPERATION_METADATA,
  API_SECURITY_METADATA,
  API_TAGS_METADATA,
  type ApiOperationSpec,
} from './api-operation.js';

export type Json = { [key: string]: unknown };

export interface OpenApiDocumentOptions {
  info: Json;
  servers?: Json[];
  tags: readonly string[];
  securitySchemes: Record<string, Json>;
  /** The problem response of each error status, shared by every operation that lists the status. */
  errors: Readonly<Record<number, string>>;
  /** The body of every problem response; give it an id (`.meta({ id: 'Error' })`) to name it. */
  errorSchema: z.ZodType;
  /** The controllers to describe, in the order their paths appear in the document. */
  controllers: readonly Type[];
}

interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

const COMPONENT = '#/components/schemas/';
const SHARED = '__shared';
const INLINE = '__inline';

/**
 * Converts zod schemas to JSON Schema in one pass per direction, so that schemas named with
 * `.meta({ id })` become shared components and every other schema is written in place.
 */
class SchemaSet {
  private readonly registry = z.registry<{ id: string }>();
  private readonly ids = new Map<z.ZodType, string>();

  constructor(private readonly io: 'input' | 'output') {}

  /** A reference to the schema, resolved by `resolve` once every schema is known. */
  add(schema: z.ZodType): Json {
    let id = this.ids.get(schema);
    if (id === undefined) {
      const name = z.globalRegistry.get(schema)?.id;
      id = typeof name === 'string' ? name : `${INLINE}${this.io}${this.ids.size}`;
      this.ids.set(schema, id);
      this.registry.add(schema, { id });
    }
    return { $ref: `${COMPONENT}${id}` };
  }

  /** The JSON Schemas: named ones to share as components, and a resolver for the references `add` gave. */
  convert(): { components: Record<string, Json>; inline: Record<string, Json> } {
    const converted = z.toJSONSchema(this.registry, {
      io: this.io,
      unrepresentable: 'any',
      uri: (id) => `${COMPONENT}${id}`,
    }).schemas as Record<string, Json>;
    const text = JSON.stringify(converted).replaceAll(`${COMPONENT}${SHARED}#/$defs/`, COMPONENT);
    const schemas = JSON.parse(text) as Record<string, Json>;
    const shared = (schemas[SHARED]?.['$defs'] ?? {}) as Record<string, Json>;
    delete schemas[SHARED];
    const components: Record<string, Json> = { ...shared };
    const inline: Record<string, Json> = {};
    for (const [id, schema] of Object.entries(schemas)) {
      delete schema['$schema'];
      delete schema['$id'];
      (id.startsWith(INLINE) ? inline : components)[id] = schema;
    }
    return { components, inline };
  }
}

/** Replaces each reference to an unnamed schema by the schema itself. */
function inlineReferences(value: unknown, inline: Record<string, Json>): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineReferences(item, inline));
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as Json)['$ref'];
  if (typeof ref === 'string' && ref.startsWith(`${COMPONENT}${INLINE}`)) {
    const target = inline[ref.slice(COMPONENT.length)];
    if (!target) throw new Error(`unresolved schema ${ref}`);
    return inlineReferences(target, inline);
  }
  return Object.fromEntries(
    Object.entries(value as Json).map(([key, item]) => [key, inlineReferences(item, inline)]),
  );
}

function zodSchemaOf(pipes: unknown[] | undefined): z.ZodType | undefined {
  for (const pipe of pipes ?? []) {
    const schema = (pipe as { schema?: unknown } | null)?.schema;
    if (schema instanceof z.ZodType) return schema;
  }
  return undefined;
}

function joinPath(...parts: unknown[]): string {
  const segments = parts
    .map((part) => String(part ?? '').replace(/^\/+|\/+$/g, ''))
    .filter((part) => part.length > 0);
  return `/${segments.join('/')}`.replace(/:(\w+)/g, '{$1}');
}

/** Nest's status for a route without `@HttpCode`. */
function defaultStatus(method: RequestMethod): number {
  return method === RequestMethod.POST ? 201 : 200;
}

function describeOperation(
  controller: Type,
  name: string,
  handler: object,
  spec: ApiOperationSpec,
  request: SchemaSet,
  response: SchemaSet,
): { path: string; method: string; operation: Json } {
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
  const path = joinPath(
    Reflect.getMetadata(PATH_METADATA, controller),
    Reflect.getMetadata(PATH_METADATA, handler),
  );
  const where = `${RequestMethod[method]} ${path} (${controller.name}.${name})`;

  const status =
    (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? defaultStatus(method);
  if (!(status in spec.responses)) throw new Error(`${where} answers ${status}, which it does not document`);

  const args = Object.entries(
    (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, RouteArgument>,
  )
    .map(([key, argument]) => ({ type: Number(key.split(':')[0]), ...argument }))
    .sort((a, b) => a.index - b.index);
  const parameters: Json[] = [];
  let requestBody: Json | undefined;
  for (const argument of args) {
    const schema = zodSchemaOf(argument.pipes);
    if (argument.type === Number(RouteParamtypes.PARAM)) {
      if (!schema) throw new Error(`${where}: path parameter ${String(argument.data)} has no zod pipe`);
      parameters.push({ name: argument.data, in: 'path', required: true, schema: request.add(schema) });
    } else if (argument.type === Number(RouteParamtypes.QUERY)) {
      if (!schema) throw new Error(`${where}: query has no zod pipe`);
      parameters.push({ in: 'query', schema: request.add(schema) });
    } else if (argument.type === Number(RouteParamtypes.BODY)) {
      if (!schema) throw new Error(`${where}: body has no zod pipe`);
      requestBody = { required: true, content: { 'application/json': { schema: request.add(schema) } } };
    }
  }

  const responses: Json = {};
  for (const [code, declared] of Object.entries(spec.responses)) {
    const [description, schema] = typeof declared === 'string' ? [declared] : declared;
    responses[code] = schema
      ? { description, content: { 'application/json': { schema: response.add(schema) } } }
      : { description };
  }
  for (const code of spec.errors) responses[String(code)] = { $ref: `#/components/responses/E${code}` };

  const security =
    spec.security ?? (Reflect.getMetadata(API_SECURITY_METADATA, controller) as string[] | undefined) ?? [];
  const operation: Json = {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [
      ...(spec.tags ?? (Reflect.getMetadata(API_TAGS_METADATA, controller) as string[] | undefined) ?? []),
    ],
    security: security.map((scheme) => ({ [scheme]: [] })),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
  return { path, method: RequestMethod[method].toLowerCase(), operation };
}

/** Path and query parameters as OpenAPI lists them: one entry per name, described by its schema. */
function expandParameters(parameters: Json[], inline: Record<string, Json>): Json[] {
  return parameters.flatMap((parameter) => {
    const schema = inlineReferences(parameter['schema'], inline) as Json;
    if (parameter['in'] === 'path') {
      const { description, ...rest } = schema;
      return [{ ...parameter, ...(description === undefined ? {} : { description }), schema: rest }];
    }
    const properties = (schema['properties'] ?? {}) as Record<string, Json>;
    const required = (schema['required'] ?? []) as string[];
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: 'query',
        required: required.includes(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      };
    });
  });
}

/**
 * The OpenAPI 3.1 document of the given controllers, generated from their routes, the zod schemas
 * their pipes validate with, and the `@ApiOperation` of each route. A route without one is an error:
 * what the service serves and what it documents cannot drift apart.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): Json {
  const request = new SchemaSet('input');
  const response = new SchemaSet('output');
  const errorSchema = response.add(options.errorSchema);
  const described: { path: string; method: string; operation: Json }[] = [];
  for (const controller of options.controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const spec = Reflect.getMetadata(API_OPERATION_METADATA, handler) as ApiOperationSpec | undefined;
      if (!spec) throw new Error(`${controller.name}.${name} is a route without @ApiOperation`);
      described.push(describeOperation(controller, name, handler, spec, request, response));
    }
  }

  const requests = request.convert();
  const responses = response.convert();
  const inline = { ...requests.inline, ...responses.inline };
  const paths: Record<string, Json> = {};
  for (const { path, method, operation } of described) {
    const item = (paths[path] ??= {});
    if (item[method]) throw new Error(`${method.toUpperCase()} ${path} is declared twice`);
    const parameters = operation['parameters'] as Json[] | undefined;
    item[method] = inlineReferences(
      parameters ? { ...operation, parameters: expandParameters(parameters, inline) } : operation,
      inline,
    );
  }

  return {
    openapi: '3.1.0',
    info: options.info,
    ...(options.servers ? { servers: options.servers } : {}),
    tags: options.tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: options.securitySchemes,
      schemas: { ...requests.components, ...responses.components },
      responses: Object.fromEntries(
        Object.entries(options.errors).map(([code, description]) => [
          `E${code}`,
          { description, content: { 'application/json': { schema: inlineReferences(errorSchema, inline) } } },
        ]),
      ),
    },
  };
}
