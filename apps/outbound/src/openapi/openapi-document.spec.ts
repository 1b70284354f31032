import {
  documentedOperations,
  expectCommittedDocument,
  expectValidOpenApi31,
  operationsNotRequiring,
  servedOperations,
} from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { documentedControllers, outboundOpenApi } from './openapi-document.js';

const REGENERATE = 'npx vitest run --project unit apps/outbound/src/openapi -u';

describe(outboundOpenApi.name, () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    await expectValidOpenApi31(outboundOpenApi());
    // The validator loads with the first check: seconds on a busy machine.
  }, 30_000);

  it('describes every admin route of the service', () => {
    expect(documentedOperations(outboundOpenApi())).toEqual(servedOperations(documentedControllers));
  });

  it('asks for the admin credential on every operation', () => {
    expect(operationsNotRequiring(outboundOpenApi(), 'adminToken')).toEqual([]);
  });

  it('is what apps/outbound/openapi.json holds', async () => {
    await expectCommittedDocument(
      outboundOpenApi(),
      new URL('../../openapi.json', import.meta.url),
      REGENERATE,
    );
  });
});
