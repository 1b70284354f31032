import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, type Json } from '@pushmail/platform';
import { OutboundClient } from '../outbound/outbound-client.js';
import { RegistryClient } from '../registry/registry-client.js';
import { withOperations } from './openapi-document.js';

/** Operations' own part of the admin API's document, generated once from its controllers. */
export const OPERATIONS_OPENAPI = Symbol('OPERATIONS_OPENAPI');

/**
 * The admin API as the console and the CLI see it through operations: device-registry's document
 * with outbound's (DKIM keys) and operations' own operations (trail, findings, self-test, live
 * counters) added. Committed as
 * `apps/operations/openapi.json`.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class OpenApiController {
  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(OPERATIONS_OPENAPI) private readonly own: Json,
    @Inject(OutboundClient) private readonly outbound: OutboundClient,
  ) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  async openapi(): Promise<Json> {
    const [registry, outbound] = await Promise.all([
      this.registry.openApiDocument(),
      this.outbound.openApiDocument(),
    ]);
    return withOperations(outbound ? withOperations(registry, outbound) : registry, this.own);
  }
}
