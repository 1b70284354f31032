import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';

type Json = Record<string, unknown>;

/** `METHOD /path/{param}` for every route Nest serves from these controllers. */
export function servedOperations(controllers: readonly (new (...args: never[]) => unknown)[]): string[] {
  const operations: string[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const full = `/${[base, path].filter((part) => part && part !== '/').join('/')}`.replace(
        /:(\w+)/g,
        '{$1}',
      );
      operations.push(`${RequestMethod[method]} ${full}`);
    }
  }
  return operations.sort();
}

/** `METHOD /path/{param}` for every operation an OpenAPI document describes. */
export function documentedOperations(document: Json): string[] {
  const paths = document['paths'] as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/**
 * `METHOD /path` of every operation under `prefix` whose security is anything but the one scheme
 * named, e.g. an admin operation that would answer without the admin credential.
 */
export function operationsNotRequiring(document: Json, scheme: string, prefix = '/'): string[] {
  const paths = document['paths'] as Record<string, Record<string, { security?: unknown }>>;
  const required = JSON.stringify([{ [scheme]: [] }]);
  return Object.entries(paths)
    .filter(([path]) => path.startsWith(prefix))
    .flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => JSON.stringify(operation.security) !== required)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
}

/** Asserts that `document` is a valid OpenAPI 3.1 document. vitest is loaded here, in a test, only. */
export async function expectValidOpenApi31(document: Json): Promise<void> {
  const [{ expect }, { Validator }] = await Promise.all([
    import('vitest'),
    import('@seriousme/openapi-schema-validator'),
  ]);
  const validator = new Validator();
  const result = await validator.validate(document);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
}

/** Asserts that `file` holds `text` (with `-u`, rewrites it). vitest is loaded here, in a test, only. */
async function expectFile(text: string, file: URL, regenerate: string): Promise<void> {
  const { expect } = await import('vitest');
  await expect(text, `${file.pathname} is stale: ${regenerate}`).toMatchFileSnapshot(fileURLToPath(file));
}

/** Formatted as the repository formats files, so that formatting it never makes it drift. */
async function formatted(text: string, file: URL): Promise<string> {
  const { format, resolveConfig } = await import('prettier');
  const filepath = fileURLToPath(file);
  return format(text, { ...(await resolveConfig(filepath)), filepath });
}

/** Fails (and with `-u` rewrites the file) unless `file` holds the document, formatted. */
export async function expectCommittedDocument(document: Json, file: URL, regenerate: string): Promise<void> {
  await expectFile(await formatted(JSON.stringify(document), file), file, regenerate);
}

/** Fails (and with `-u` rewrites the file) unless `file` holds the types openapi-typescript generates. */
export async function expectGeneratedTypes(
  document: Json,
  file: URL,
  source: string,
  regenerate: string,
): Promise<void> {
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const types = astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]));
  const header = [
    `// Generated from ${source} by openapi-typescript: do not edit by hand.`,
    `// Regenerate: ${regenerate}`,
    '',
  ].join('\n');
  await expectFile(await formatted(header + types, file), file, regenerate);
}

export interface ServiceDocument {
  /** Builds the document the service serves. */
  document: () => Json;
  /** The controllers it is generated from. */
  controllers: readonly (new (...args: never[]) => unknown)[];
  /** The committed copy, and the command that rewrites it. */
  committed: URL;
  regenerate: string;
  /** Operations under this path ask for the admin credential (all of them by default). */
  adminPaths?: string;
}

/**
 * What every service's generated OpenAPI document is checked for, as `[name, check]` rows for
 * `it.each`: a valid OpenAPI 3.1 document, describing every route the controllers serve and
 * nothing else, asking for the admin credential on every admin operation, and equal to its
 * committed copy. vitest is loaded in the checks, in a test, only.
 */
export function serviceDocumentChecks(service: ServiceDocument): [string, () => Promise<void>][] {
  return [
    ['is a valid OpenAPI 3.1 document', () => expectValidOpenApi31(service.document())],
    [
      'describes every route the service serves, and nothing else',
      async () => {
        const { expect } = await import('vitest');
        expect(documentedOperations(service.document())).toEqual(servedOperations(service.controllers));
      },
    ],
    [
      `asks for the admin credential on every operation under ${service.adminPaths ?? '/'}`,
      async () => {
        const { expect } = await import('vitest');
        expect(operationsNotRequiring(service.document(), 'adminToken', service.adminPaths)).toEqual([]);
      },
    ],
    [
      'is the committed document',
      () => expectCommittedDocument(service.document(), service.committed, service.regenerate),
    ],
  ];
}
