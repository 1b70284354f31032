import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { diagnosticsPaths, diagnosticsSchemas } from '../diagnostics/openapi-paths.js';
import { RegistryClient } from '../registry/registry-client.js';

type Json = Record<string, unknown>;

/**
 * The admin API as the console and the CLI see it through operations: device-registry's document
 * with operations' own operations (trail, findings, self-test, live counters) added.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class OpenApiController {
  constructor(@Inject(RegistryClient) private readonly registry: RegistryClient) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  async openapi(): Promise<Json> {
    return withOperations(await this.registry.openApiDocument());
  }
}

export function withOperations(registryDocument: Json): Json {
  const components = (registryDocument['components'] ?? {}) as Json;
  const tags = (registryDocument['tags'] ?? []) as Json[];
  return {
    ...registryDocument,
    servers: [{ url: 'http://127.0.0.1:8084', description: 'A local operations service' }],
    tags: [...tags, { name: 'diagnostics' }],
    paths: { ...(registryDocument['paths'] as Json), ...diagnosticsPaths },
    components: { ...components, schemas: { ...(components['schemas'] as Json), ...diagnosticsSchemas } },
  };
}
