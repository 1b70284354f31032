import { readFileSync } from 'node:fs';
import {
  documentedOperations,
  expectCommittedDocument,
  expectGeneratedTypes,
  expectValidOpenApi31,
  operationsNotRequiring,
  servedOperations,
} from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { documentedControllers, operationsOpenApi, withOperations } from './openapi-document.js';
import { OpenApiController } from './openapi.controller.js';

const REGENERATE = 'npx vitest run --project unit apps/operations/src/openapi -u';

/** device-registry's committed document, which device-registry serves (its own specs check that). */
const registryDocument = JSON.parse(
  readFileSync(new URL('../../../device-registry/openapi.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
/** outbound's committed document, which outbound serves. */
const outboundDocument = JSON.parse(
  readFileSync(new URL('../../../outbound/openapi.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
/** The admin API as operations serves it when both services answer. */
const adminApi = () => withOperations(withOperations(registryDocument, outboundDocument));

describe(withOperations.name, () => {
  it("adds operations' routes to device-registry's document and stays a valid OpenAPI 3.1 document", async () => {
    await expectValidOpenApi31(adminApi());
    // The validator loads with the first check: seconds on a busy machine.
  }, 30_000);

  it('describes exactly the admin routes operations answers itself', () => {
    expect(documentedOperations(operationsOpenApi())).toEqual(servedOperations(documentedControllers));
  });

  it('describes every route operations serves, its own document included', () => {
    const documented = documentedOperations(withOperations(registryDocument));
    expect(documented).toEqual(
      expect.arrayContaining(servedOperations([...documentedControllers, OpenApiController])),
    );
  });

  it('asks for the admin credential on every operation of its own', () => {
    expect(operationsNotRequiring(operationsOpenApi(), 'adminToken')).toEqual([]);
  });

  it('refuses an operation that both documents describe', () => {
    expect(() => withOperations(withOperations(registryDocument))).toThrow(/in both documents/);
  });

  it('is what apps/operations/openapi.json holds', async () => {
    await expectCommittedDocument(adminApi(), new URL('../../openapi.json', import.meta.url), REGENERATE);
  });

  it('is what the clients’ generated types of the admin API were generated from', async () => {
    await expectGeneratedTypes(
      adminApi(),
      new URL('../../../../libs/contracts/src/admin-api/admin-api.ts', import.meta.url),
      'apps/operations/openapi.json',
      REGENERATE,
    );
    // openapi-typescript and prettier load and run over the whole document: seconds on a busy machine.
  }, 30_000);
});
