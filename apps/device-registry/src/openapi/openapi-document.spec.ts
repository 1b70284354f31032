import {
  documentedOperations,
  expectCommittedDocument,
  expectValidOpenApi31,
  operationsNotRequiring,
  servedOperations,
} from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { deviceRegistryOpenApi, documentedControllers } from './openapi-document.js';

const REGENERATE = 'npx vitest run --project unit apps/device-registry/src/openapi -u';

describe(deviceRegistryOpenApi.name, () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    await expectValidOpenApi31(deviceRegistryOpenApi());
    // The validator loads with the first check: seconds on a busy machine.
  }, 30_000);

  it('describes every admin and device route the service serves, and nothing else', () => {
    expect(documentedOperations(deviceRegistryOpenApi())).toEqual(servedOperations(documentedControllers));
  });

  it('asks for the admin credential on every admin operation', () => {
    expect(operationsNotRequiring(deviceRegistryOpenApi(), 'adminToken', '/admin')).toEqual([]);
  });

  it('is what apps/device-registry/openapi.json holds', async () => {
    await expectCommittedDocument(
      deviceRegistryOpenApi(),
      new URL('../../openapi.json', import.meta.url),
      REGENERATE,
    );
  });
});
