import { serviceDocumentChecks } from '@pushmail/testing';
import { describe, it } from 'vitest';
import { deviceRegistryOpenApi, documentedControllers } from './openapi-document.js';

describe(deviceRegistryOpenApi.name, () => {
  // The validator and prettier load with the first checks: seconds on a busy machine.
  it.each(
    serviceDocumentChecks({
      document: deviceRegistryOpenApi,
      controllers: documentedControllers,
      committed: new URL('../../openapi.json', import.meta.url),
      regenerate: 'npx vitest run --project unit apps/device-registry/src/openapi -u',
      adminPaths: '/admin',
    }),
  )('%s', (_name, check) => check(), 30_000);
});
