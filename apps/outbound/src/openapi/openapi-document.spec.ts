import { serviceDocumentChecks } from '@pushmail/testing';
import { describe, it } from 'vitest';
import { documentedControllers, outboundOpenApi } from './openapi-document.js';

describe(outboundOpenApi.name, () => {
  // The validator and prettier load with the first checks: seconds on a busy machine.
  it.each(
    serviceDocumentChecks({
      document: outboundOpenApi,
      controllers: documentedControllers,
      committed: new URL('../../openapi.json', import.meta.url),
      regenerate: 'npx vitest run --project unit apps/outbound/src/openapi -u',
    }),
  )('%s', (_name, check) => check(), 30_000);
});
