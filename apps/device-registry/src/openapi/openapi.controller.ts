import { Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, type Json, AdminController } from '@pushmail/platform';
import { z } from 'zod';

/** The service's generated OpenAPI document. */
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

@AdminController('admin', 'settings')
export class OpenApiController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: Json) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  @ApiOperation('getOpenApi', 'This document', { 200: ['The OpenAPI document', z.looseObject({})] }, [401])
  openapi(): Json {
    return this.document;
  }
}
