import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, type Json } from '@pushmail/platform';
import { RegistryClient } from '../registry/registry-client.js';
import { withOperations } from './openapi-document.js';

/** Operations' own part of the admin API's document, generated once from its controllers. */
export const OPERATIONS_OPENAPI = Symbol('OPERATIONS_OPENAPI');

/**
 * The admin API as the console and the CLI see it through operations: device-registry's document
 * with operations' own operations (trail, findings, self-test, live counters) added. Committed as
 * `apps/operations/openapi.json`.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class OpenApiController {
  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(OPERATIONS_OPENAPI) private readonly own: Json,
  ) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  async openapi(): Promise<Json> {
    return withOperations(await this.registry.openApiDocument(), this.own);
  }
}
