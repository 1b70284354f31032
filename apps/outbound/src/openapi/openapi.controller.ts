import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, type Json } from '@pushmail/platform';

/** Outbound's part of the admin API's document, generated once from its controllers. */
export const OUTBOUND_OPENAPI = Symbol('OUTBOUND_OPENAPI');

/** What operations merges into the admin API's document; committed as `apps/outbound/openapi.json`. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class OpenApiController {
  constructor(@Inject(OUTBOUND_OPENAPI) private readonly document: Json) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  openapi(): Json {
    return this.document;
  }
}
